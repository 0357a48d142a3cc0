import OutpostCodec

extension BundleCodec {
  /// How hard ``encode(_:records:key:)`` compresses a format-3 payload.
  ///
  /// `.fast`: on the record lines of a submission it runs at 90–125 MiB/s, against 34–48 MiB/s
  /// for `.default`, whose output is about 15 % smaller (release build, issue 16). On a first
  /// submission of 25,000 orders (18 MB of record lines) it is 0.93 G of `submit`'s 17.4 G
  /// instructions, where `.default` would be 2.5 G, so compressing stays a small part of it.
  public static let compressionLevel = Deflate.Level.fast

  /// Refuses a format-3 manifest that declares more inflated payload than a bundle file may
  /// hold (SPEC.md §8.2 step 9): nothing is inflated beyond what a plain bundle could carry.
  static func checkDeclaredSize(_ manifest: BundleManifest, name: String) throws(SyncError) {
    guard manifest.payloadRawBytes > UInt64(maximumBytes) else { return }
    throw SyncError(
      .invalid,
      "\(name) declares \(manifest.payloadRawBytes) payload bytes once inflated, over the "
        + "\(maximumBytes >> 30) GiB limit for a bundle; nothing was imported",
      hint: "The bundle was made by a faulty or altered program; ask the sender to make it again:",
      remedy: .makeBundleAgain)
  }

  /// Inflates a format-3 payload whose hash was checked (SPEC.md §8.2 step 10): exactly one
  /// DEFLATE stream, filling the file, of exactly `payload.raw_bytes` bytes once inflated.
  ///
  /// Memory never holds more than the declared size: inflating stops at the first byte past it.
  static func inflate(_ stored: ArraySlice<UInt8>, _ manifest: BundleManifest, name: String)
    throws(SyncError) -> ArraySlice<UInt8>
  {
    func damaged(_ what: String) -> SyncError {
      SyncError(
        .invalid, "bundle damaged: \(name) \(what); nothing was imported",
        hint: "The bundle was signed as it is, so the program that made it is faulty or was "
          + "altered; ask the sender to make it again:", remedy: .makeBundleAgain)
    }
    let declared = manifest.payloadRawBytes
    let output: [UInt8]
    let end: Int
    do throws(Inflate.Failure) {
      (output, end) = try Inflate.decompress(Array(stored), exactLimit: Int(declared))
    } catch {
      if error.exceedsLimit {
        throw damaged("payload inflates to more than the \(declared) bytes its manifest declares")
      }
      throw damaged("payload is not a valid DEFLATE stream (\(error))")
    }
    guard output.count == declared else {
      throw damaged(
        "payload inflates to \(output.count) bytes, not the \(declared) its manifest declares")
    }
    guard end == stored.count else {
      throw damaged("payload has \(stored.count - end) bytes after the end of its DEFLATE stream")
    }
    return output[...]
  }
}
