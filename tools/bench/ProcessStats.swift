// The one place the benchmark touches the C library: resource usage and load average.
#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif

/// Resource figures of the running process, read with `getrusage(RUSAGE_SELF)` (and of its
/// finished children, `RUSAGE_CHILDREN`).
enum ProcessStats {
  /// The process's peak resident set size, in bytes.
  ///
  /// `ru_maxrss` is in kibibytes on Linux and in bytes on Darwin; this is the only place that
  /// knows.
  static func peakResidentBytes() -> Int64 {
    let maxrss = Int64(usage().ru_maxrss)
    #if canImport(Darwin)
    return maxrss
    #else
    return maxrss * 1024
    #endif
  }

  /// User plus system CPU time consumed so far, in seconds.
  static func cpuSeconds() -> Double {
    let u = usage()
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
    return seconds(u.ru_utime) + seconds(u.ru_stime)
  }

  /// The 1-minute load average, or nil where `getloadavg` fails.
  static func loadAverage() -> Double? {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) >= 1 ? loads[0] : nil
  }

  /// CPU seconds and peak RSS of this process's terminated, waited-for children
  /// (`getrusage(RUSAGE_CHILDREN)`): the peak is the largest child's, not a sum.
  static func childrenUsage() -> (cpuSeconds: Double, peakResidentBytes: Int64) {
    let u = usage(children: true)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
    #if canImport(Darwin)
    let peak = Int64(u.ru_maxrss)
    #else
    let peak = Int64(u.ru_maxrss) * 1024
    #endif
    return (seconds(u.ru_utime) + seconds(u.ru_stime), peak)
  }

  private static func usage(children: Bool = false) -> rusage {
    var result = rusage()
    #if canImport(Darwin)
    _ = getrusage(children ? RUSAGE_CHILDREN : RUSAGE_SELF, &result)
    #else
    let who = children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue
    _ = getrusage(__rusage_who_t(who), &result)
    #endif
    return result
  }
}

/// Sizes of files on disk, read with `lstat`.
enum FileStats {
  /// The logical size and the allocated size (`st_blocks` × 512) of a regular file, or nil.
  static func sizes(_ path: String) -> (logical: Int64, allocated: Int64)? {
    var info = stat()
    guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
    return (Int64(info.st_size), Int64(info.st_blocks) * 512)
  }
}
