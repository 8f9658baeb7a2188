import Foundation
import NovaFuzz

/// libFuzzer's entry point (built by scripts/fuzz.sh with `-sanitize=fuzzer`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzInputs.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if NOVAPULSE_FUZZ
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// SwiftPM links an executable's entry as `main`; under the fuzzer it hands over to
/// libFuzzer's driver, which calls `fuzzOne` for each input.
@_cdecl("novapulse_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var values = argv
    return LLVMFuzzerRunDriver(&count, &values) { data, size in
        guard let data else { return 0 }
        return fuzzOne(data, size)
    }
}
#else
/// Built without the fuzzer: replays the files given (or in the folders given) through the
/// same entry, as a crash found is reproduced: `swift run novapulse-fuzz CRASH-FILE`.
@main struct CorpusReplay {
    static func main() {
        var files: [String] = []
        for arg in CommandLine.arguments.dropFirst() {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) else { print("no such file: \(arg)"); exit(2) }
            if isDir.boolValue {
                files += ((try? FileManager.default.contentsOfDirectory(atPath: arg)) ?? []).sorted().map { arg + "/" + $0 }
            } else {
                files.append(arg)
            }
        }
        for f in files {
            let bytes = [UInt8](FileManager.default.contents(atPath: f) ?? Data())
            _ = bytes.withUnsafeBufferPointer { fuzzOne($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        }
        print("replayed \(files.count) inputs")
    }
}
#endif
