import Foundation

/// What the multi-account hub asks of one session.
extension LiveRuntime {
    /// Stops the session cleanly, as SIGINT does (a stop asked for before it started is kept).
    public func requestStop(_ reason: String) {
        if let continuation { continuation.yield(.stop(reason)) } else { pendingStop = reason }
    }

    /// The status endpoint's answer to one request: GET a status page, POST a control.
    public func answer(_ method: String, _ path: String) -> (status: Int, json: String) {
        method == "POST" ? control(path) : status(path)
    }
}
