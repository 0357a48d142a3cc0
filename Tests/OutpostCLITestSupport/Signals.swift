// The one place the tests touch the C library directly: sending SIGKILL to a child process.
#if canImport(Darwin)
import Darwin
#else
import Glibc
#endif

func sendKill(_ pid: Int32) {
  _ = kill(pid, SIGKILL)
}
