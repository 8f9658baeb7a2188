// NovaResearch's API speaks in the config's types and the backtest's results: a client that
// imports NovaResearch (the CLI, the tests) sees them too.
@_exported import NovaBacktest
@_exported import NovaConfig
