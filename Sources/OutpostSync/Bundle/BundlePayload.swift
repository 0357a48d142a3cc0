import OutpostCodec

extension BundleCodec {
  /// How hard ``encode(_:records:key:)`` compresses a format-3 payload.
  ///
  /// `.fast`: on the record lines of a submission it runs at 90–125 MiB/s, against 34–48 MiB/s
  /// for `.default`, whose output is about 15 % smaller (release build, issue 16). On a first
  /// submission of 25,000 orders (18 MB of record lines) it is 0.93 G of `submit`'s 17.4 G
  /// instructions, where `.default` would be 2.5 G, so compressing stays a small part of it.
  public static let compressionLevel = Deflate.Level.fast

  /// The largest extra line accepted (format 4, SPEC.md §8.2): 64 MiB, its line end included.
  public static let maximumExtraBytes = 64 << 20

  /// The extra line is parsed with the §3.1 limits, up to ``maximumExtraBytes``.
  static let extraLimits: JSONLimits = {
    var limits = JSONLimits.default
    limits.maxDocumentBytes = maximumExtraBytes
    return limits
  }()

  /// The extra line that begins a format-4 payload: `{"extra":{…}}` as canonical JSON, and LF.
  static func extraLine(_ extra: [String: JSONValue]) -> [UInt8] {
    let members = JSONObject(uncheckedPairs: extra.map { ($0.key, $0.value) })
    var line = JSONWriter.canonicalBytes(
      .object(JSONObject(uncheckedPairs: [("extra", .object(members))])))
    line.append(UInt8(ascii: "\n"))
    return line
  }

  /// Refuses a manifest that declares more inflated payload than a bundle file may hold, or
  /// (format 4) an extra line over its limit or longer than the payload (SPEC.md §8.2 step 9):
  /// nothing is inflated beyond what a plain bundle could carry.
  static func checkDeclaredSize(_ manifest: BundleManifest, name: String) throws(SyncError) {
    func faulty(_ what: String) -> SyncError {
      SyncError(
        .invalid, "\(name) declares \(what); nothing was imported",
        hint: "The bundle was made by a faulty or altered program; ask the sender to make it "
          + "again:", remedy: .makeBundleAgain)
    }
    if manifest.payloadRawBytes > UInt64(maximumBytes) {
      throw faulty(
        "\(manifest.payloadRawBytes) payload bytes once inflated, over the "
          + "\(maximumBytes >> 30) GiB limit for a bundle")
    }
    if manifest.payloadExtraBytes > UInt64(maximumExtraBytes) {
      throw faulty(
        "an extra line of \(manifest.payloadExtraBytes) bytes, over its "
          + "\(maximumExtraBytes >> 20) MiB limit")
    }
    if manifest.payloadExtraBytes > manifest.payloadRawBytes {
      throw faulty(
        "an extra line of \(manifest.payloadExtraBytes) bytes in a payload of "
          + "\(manifest.payloadRawBytes) bytes once inflated")
    }
  }

  /// Reads the extra line that begins an inflated format-4 payload (SPEC.md §8.2 step 10) and
  /// leaves `payload` holding the record lines after it.
  ///
  /// The line must end exactly at `payload.extra_bytes` and be `{"extra":{…}}`; it is parsed
  /// with ``extraLimits``. ``checkDeclaredSize(_:name:)`` has bounded it.
  static func readExtraLine(
    _ payload: inout ArraySlice<UInt8>, _ manifest: BundleManifest, name: String
  ) throws(SyncError) -> [String: JSONValue] {
    func bad(_ why: String) -> SyncError {
      SyncError(
        .invalid, "bundle line 3: \(why); nothing was imported",
        hint: "The bundle was signed as it is, so the program that made it is faulty or was "
          + "altered; ask the sender to make it again:", remedy: .makeBundleAgain)
    }
    let declared = Int(manifest.payloadExtraBytes)
    guard declared > 0 else {
      throw bad("the payload has no extra line (its manifest declares 'payload.extra_bytes' 0)")
    }
    let start = payload.startIndex
    guard let end = payload[start..<(start + declared)].firstIndex(of: UInt8(ascii: "\n")),
      end == start + declared - 1
    else {
      throw bad(
        "the extra line does not end at byte \(declared), where 'payload.extra_bytes' puts it")
    }
    let json: JSONValue
    do { json = try JSONParser.parse(Array(payload[start..<end]), limits: extraLimits) } catch {
      throw bad("the extra line: \(error.description)")
    }
    guard case .object(let line) = json, line.count == 1, let value = line["extra"] else {
      throw bad("the extra line is not {\"extra\":{…}}")
    }
    guard case .object(let members) = value else {
      throw bad("the extra line's 'extra' is not an object")
    }
    var extra: [String: JSONValue] = [:]
    for (key, member) in members { extra[key] = member }
    payload = payload[(end + 1)...]
    return extra
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
