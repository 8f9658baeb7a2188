import ArgumentParser

/// `novapulse data`: the market-data catalog.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Import market data into the catalog and list what is there.",
        subcommands: [DataImportCommand.self, DataListCommand.self])
}
