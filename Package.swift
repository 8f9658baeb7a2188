// swift-tools-version: 6.1
// NovaPulse: a command-line workbench for crypto trading research.
// Targets follow the layers of DESIGN.md; dependencies point down only:
//   novapulse (CLI) -> NovaResearch -> NovaBacktest -> NovaEngine -> NovaExecution -> NovaRisk, NovaVenue
//   NovaEngine -> NovaSignals; NovaBacktest -> NovaSimulator -> NovaVenue -> NovaCore;  NovaMarketData -> NovaCore, CCSV, CZstd
//   NovaStorage -> NovaCore, GRDB (which links the system libsqlite3); NovaPostgres -> NovaStorage, PostgresNIO
//   NovaLive (trait Live) -> NovaKraken, NovaBacktest, NovaStorage, websocket-kit, async-http-client
import PackageDescription

/// The engine is generic over venue and strategy and lives in other modules than its callers:
/// full cross-module optimisation lets the compiler specialise it at the call site, instead of
/// looking up generic metadata on every bar (measured: see Benchmarks/BENCHMARKS.md).
let hotLoop: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "NovaPulse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "novapulse", targets: ["novapulse"]),
    ],
    // The first build a newcomer waits for (README command 1) is the core packages only, about
    // 2 minutes. The PostgreSQL client for `DATABASE_URL` (postgres-nio: SwiftNIO, BoringSSL,
    // 5-6 more minutes) is a trait: `swift build -c release --traits Postgres`.
    traits: [
        .trait(name: "Postgres", description: "The optimizer's shared PostgreSQL trial store (DATABASE_URL): postgres-nio and SwiftNIO."),
        .trait(name: "Live", description: "`novapulse live`: the Kraken adapter, WebSocket and HTTP clients (SwiftNIO, websocket-kit, async-http-client, swift-crypto)."),
        .default(enabledTraits: []),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // PostgreSQL for the optimizer's shared results store (DATABASE_URL); its own target,
        // NovaPostgres, so nothing else waits for SwiftNIO to build.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.3"),
        // The live stack (trait Live): HMAC signing and secrets (swift-crypto, already built for
        // postgres-nio), WebSocket v2 (websocket-kit: URLSessionWebSocketTask has no ws/wss on
        // Debian's libcurl) and REST (async-http-client).
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/websocket-kit", from: "2.16.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages (installed by scripts/bootstrap.sh).
        .systemLibrary(name: "CCSV", path: "Sources/CCSV"),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd"),

        .target(name: "NovaCore", swiftSettings: hotLoop),
        .target(name: "NovaMarketData", dependencies: ["NovaCore", "CCSV", "CZstd"], swiftSettings: hotLoop),
        .target(name: "NovaStorage", dependencies: ["NovaCore", "NovaSignals", "CZstd", .product(name: "GRDB", package: "GRDB.swift"),
                                                   .product(name: "GRDBSQLite", package: "GRDB.swift")]),
        .target(name: "NovaVenue", dependencies: ["NovaCore"], swiftSettings: hotLoop),
        .target(name: "NovaSimulator", dependencies: ["NovaCore", "NovaVenue", "NovaMarketData"], swiftSettings: hotLoop),
        .target(name: "NovaSignals", dependencies: ["NovaCore"], swiftSettings: hotLoop),
        .target(name: "NovaRisk", dependencies: ["NovaCore"], swiftSettings: hotLoop),
        // Orders, positions and their protection: the execution core shared by backtest and live.
        .target(name: "NovaExecution", dependencies: ["NovaCore", "NovaVenue", "NovaRisk"], swiftSettings: hotLoop),
        .target(name: "NovaEngine", dependencies: ["NovaCore", "NovaVenue", "NovaSignals", "NovaRisk", "NovaExecution"], swiftSettings: hotLoop),
        // The config file (YAML), its validation, and the one mapping of its sections onto components.
        .target(name: "NovaConfig", dependencies: ["NovaCore", "NovaVenue", "NovaRisk", "NovaSignals", "NovaExecution", "NovaSimulator",
                                                   .product(name: "Yams", package: "Yams")]),
        // The backtest composition root: the replay loop that feeds the simulator and the engine.
        .target(name: "NovaBacktest", dependencies: ["NovaCore", "NovaMarketData", "NovaVenue", "NovaSimulator", "NovaSignals",
                                                     "NovaExecution", "NovaEngine", "NovaConfig"], swiftSettings: hotLoop),
        .target(name: "NovaResearch", dependencies: [
            "NovaCore", "NovaMarketData", "NovaStorage", "NovaVenue", "NovaSimulator",
            "NovaSignals", "NovaRisk", "NovaExecution", "NovaEngine", "NovaConfig", "NovaBacktest", .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "NovaPostgres", dependencies: [
            "NovaStorage", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Kraken's protocol without any networking: signing, nonces, error mapping, REST and
        // WebSocket v2 messages, the book and its CRC32, candles from the ohlc channel.
        .target(name: "NovaKraken", dependencies: ["NovaCore", "NovaVenue", .product(name: "Crypto", package: "swift-crypto")]),
        // Coinbase Advanced Trade's protocol without any networking: ES256 JWTs, products,
        // orders and their replies, the level2 book and its sequence numbers, the user channel.
        .target(name: "NovaCoinbase", dependencies: ["NovaCore", "NovaVenue", .product(name: "Crypto", package: "swift-crypto")]),
        // `novapulse live`: the runtime actor, transports, the live ledger, the status endpoint.
        .target(name: "NovaLive", dependencies: [
            "NovaCore", "NovaVenue", "NovaKraken", "NovaCoinbase", "NovaEngine", "NovaExecution", "NovaSignals", "NovaSimulator", "NovaBacktest",
            "NovaConfig", "NovaStorage", "NovaMarketData", "CZstd",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "WebSocketKit", package: "websocket-kit"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .executableTarget(name: "novapulse", dependencies: [
            "NovaCore", "NovaMarketData", "NovaStorage", "NovaSimulator", "NovaConfig", "NovaResearch",
            .target(name: "NovaPostgres", condition: .when(traits: ["Postgres"])),
            .target(name: "NovaLive", condition: .when(traits: ["Live"])),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Release-build benchmarks: swift run -c release novapulse-bench (see Benchmarks/BENCHMARKS.md).
        .executableTarget(name: "novapulse-bench", dependencies: ["NovaCore", "NovaMarketData", "NovaExecution", "NovaEngine", "NovaBacktest", "NovaSignals",
                                                                    "NovaSimulator", "NovaVenue"],
                          path: "Benchmarks/NovaBenchmarks"),
        // The live path's latency and throughput against the fake Kraken:
        // swift run -c release --traits Live novapulse-live-bench (without the trait it only says so).
        .executableTarget(name: "novapulse-live-bench", dependencies: [
            "NovaCore", "NovaConfig", "NovaStorage", "NovaTestSupport",
            .target(name: "NovaLive", condition: .when(traits: ["Live"])),
            .target(name: "NovaKraken", condition: .when(traits: ["Live"])),
            .target(name: "NovaFakeKraken", condition: .when(traits: ["Live"])),
            .target(name: "NovaCoinbase", condition: .when(traits: ["Live"])),
            .target(name: "NovaFakeCoinbase", condition: .when(traits: ["Live"])),
            .product(name: "NIOPosix", package: "swift-nio", condition: .when(traits: ["Live"])),
            .product(name: "GRDB", package: "GRDB.swift"),
        ], path: "Benchmarks/NovaLiveBench"),

        // The parsers of user files and exchange frames under libFuzzer (scripts/fuzz.sh builds
        // novapulse-fuzz with -sanitize=fuzzer); without it, novapulse-fuzz replays a corpus.
        .target(name: "NovaFuzz", dependencies: ["NovaCore", "NovaMarketData", "NovaConfig", "NovaKraken", "NovaCoinbase", "NovaResearch"]),
        .executableTarget(name: "novapulse-fuzz", dependencies: ["NovaFuzz"]),

        .target(name: "NovaTestSupport", dependencies: ["NovaCore", "NovaMarketData", "NovaSignals"], path: "Tests/NovaTestSupport"),
        .testTarget(name: "NovaCoreTests", dependencies: ["NovaCore"]),
        .testTarget(name: "NovaMarketDataTests", dependencies: ["NovaMarketData", "NovaTestSupport"]),
        .testTarget(name: "NovaStorageTests", dependencies: ["NovaStorage", "NovaSignals", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "NovaSimulatorTests", dependencies: ["NovaSimulator", "NovaVenue"]),
        .testTarget(name: "NovaSignalsTests", dependencies: ["NovaSignals", "NovaCore", "NovaTestSupport"]),
        .testTarget(name: "NovaRiskTests", dependencies: ["NovaRisk", "NovaCore", "NovaExecution", "NovaVenue"]),
        .testTarget(name: "NovaExecutionTests", dependencies: ["NovaExecution", "NovaEngine", "NovaBacktest", "NovaSimulator", "NovaVenue", "NovaTestSupport"]),
        .testTarget(name: "NovaEngineTests", dependencies: ["NovaEngine", "NovaExecution", "NovaBacktest", "NovaSimulator", "NovaTestSupport"]),
        .testTarget(name: "NovaResearchTests", dependencies: ["NovaResearch", "NovaConfig", "NovaBacktest", "NovaEngine", "NovaSignals", "NovaMarketData", "NovaTestSupport",
                                                             "NovaSimulator", "NovaStorage", "NovaVenue"]),
        // A fake Kraken on 127.0.0.1 (REST and WebSocket v2, scripted faults) for the live tests.
        .target(name: "NovaFakeKraken", dependencies: [
            "NovaCore", "NovaKraken", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "WebSocketKit", package: "websocket-kit"),
        ], path: "Tests/NovaFakeKraken"),
        // A fake Coinbase Advanced Trade on 127.0.0.1 (REST with verified JWTs, the market-data WebSocket, scripted faults).
        .target(name: "NovaFakeCoinbase", dependencies: [
            "NovaCore", "NovaCoinbase", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "WebSocketKit", package: "websocket-kit"),
        ], path: "Tests/NovaFakeCoinbase"),
        .testTarget(name: "NovaKrakenTests", dependencies: ["NovaKraken", "NovaCore", "NovaVenue"]),
        .testTarget(name: "NovaCoinbaseTests", dependencies: ["NovaCoinbase", "NovaCore", "NovaVenue", "NovaMarketData", "NovaTestSupport", "NovaFuzz", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "NovaLiveTests", dependencies: ["NovaLive", "NovaKraken", "NovaFakeKraken", "NovaCoinbase", "NovaFakeCoinbase", "NovaStorage", "NovaConfig", "NovaSignals", "NovaTestSupport", "NovaSimulator", "NovaResearch",
                                                          .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CLITests", dependencies: ["NovaTestSupport", "novapulse", .product(name: "Yams", package: "Yams")]),
    ],
    swiftLanguageModes: [.v6]
)
