import ArgumentParser
import NovaSimulator

/// `--json`, the same on every command that prints a result.
struct JSONOutput: ParsableArguments {
    @Flag(name: .long, help: "Print the result as JSON on stdout (progress goes to stderr, and only on a terminal).")
    var json = false
}

/// Fill models are the simulator's own enum: the flag lists and checks its cases.
extension SimulatorSettings.FillModel: ExpressibleByArgument {}

/// A fault profile by name: the simulator's built-in profiles are the allowed values.
struct FaultProfileName: ExpressibleByArgument {
    let name: String
    init?(argument: String) {
        guard FaultProfile.named(argument) != nil else { return nil }
        name = argument
    }
    static var allValueStrings: [String] { FaultProfile.builtins.map(\.name) }
}
