#if canImport(Glibc)
@preconcurrency import Glibc
#else
@preconcurrency import Darwin
#endif

/// Standard output flushed at each line even off a terminal (systemd, `| tee`, cron): a line is
/// printed when it happens, and a kill -9 loses none that was printed. Called once, first thing.
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
