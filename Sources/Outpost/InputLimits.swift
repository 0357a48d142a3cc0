import OutpostSync

/// The most bytes each kind of input file may hold (SPEC.md §7, "Input files").
///
/// The limits are checked before a byte is read (from the file's size) and while reading (at
/// most one byte past the limit is read), so an oversized, sparse or growing file costs
/// neither memory nor time. Tests lower them to exercise the checks without writing gigabytes.
public struct InputLimits: Sendable, Equatable {
  /// A bundle (`merge`, `receive`): 4 GiB, as §8.2.
  public var bundle: Int64
  /// The data of an `import` (a file or standard input).
  public var importData: Int64
  /// A key file (`init --key`, `office key`).
  public var keyFile: Int64
  /// A schema file (`schema add`).
  public var schemaFile: Int64
  /// KPI definitions (`kpi publish`, `--definitions`).
  public var definitions: Int64

  /// Creates a set of limits.
  public init(
    bundle: Int64, importData: Int64, keyFile: Int64, schemaFile: Int64, definitions: Int64
  ) {
    self.bundle = bundle
    self.importData = importData
    self.keyFile = keyFile
    self.schemaFile = schemaFile
    self.definitions = definitions
  }

  /// The limits of SPEC.md §7.
  public static let standard = InputLimits(
    bundle: Int64(BundleCodec.maximumBytes), importData: 128 << 20, keyFile: 64 << 10,
    schemaFile: 1 << 20, definitions: 4 << 20)

  /// A size in words: "4 GiB", "128 MiB", "64 KiB" or "N bytes".
  public static func words(_ bytes: Int64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")]
    where bytes >= 1 << shift && bytes % (1 << shift) == 0 {
      return "\(bytes >> shift) \(unit)"
    }
    return "\(bytes) bytes"
  }
}
