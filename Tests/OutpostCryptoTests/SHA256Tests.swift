import OutpostCrypto
import Testing

/// SPEC.md §3.3: SHA-256 and HMAC-SHA256 against public reference vectors.
struct SHA256Tests {
  /// NIST CAVP SHA256ShortMsg.rsp (byte-oriented), a spread of message lengths including the
  /// empty message (Len = 0) and the 440/448/504/512-bit padding boundaries.
  static let shortMessages: [(message: String, digest: String)] = [
    ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ("9e", "35af2d15ebde4d67b29569ec19749e813c76f02286afc5a2a9871c2bfbdaab32"),
    ("ce56", "cb8f96c222056053967f74a93fb0ed4088f25ab4cc0358aa80bc1e1428e9fb0e"),
    ("88f9bb23", "04ff3a2aca2ab6ee8656c87f715ff69827d73eb9966e374a027ecf09200df9cb"),
    ("0f81ba90faa9c71b", "8f35b7099e150736efb9d9675f715385c13781f75fe3cd6fb95974c8915d6f32"),
    (
      "90fada11538dd065fbe41bd3022695e4",
      "4d9715cd24507b2b723fd7f1f9393bb25b098f05a19bd9fbfa55f81955ff31b3"
    ),
    (
      "b1d4b3f09f8c4645b6465e701d9df61043539b0dc6a0738694c97f0b50f51d0d",
      "28a71ed67523190e9eae6ed83de531ac3267739f85153a7ce787d589dcffbd6c"
    ),
    (
      "177df9f1768f798c8ec59a1f36ed02856a62b090403090511e794d932b1867a90383856aaff60c79d4cef0ca2a33cb6130f92c5d1fc831",
      "34416b20eef5474b6602ef98fb0b5f018086805b7b2df3ef1d4635502f631642"
    ),
    (
      "08f645ff0f9a765593bd419ff60a308d3b4e70e816388577455d3c1f237ee14d7b0eb3999aef95a3a87d064138cd53dd1d360b187f11b4b3",
      "76f082a9a8e45c02a376ee1b42629cfb5db30e0ba1632f19cd28c96363f9da66"
    ),
    (
      "e17116dc56b4ac41fa94e356cb2c3932d959ecacf0c9be117755f5189891a717a2a13476ab4e14647959d3caa30e597df31d6fb80fa67fc958",
      "32821cf9348d03b17b13a163b6d84a9819ddfa6da9afdd911f8e3aa7d4f18db0"
    ),
    (
      "c3e81f34b716b165addda4fce195ba39e3a496ccf44f3746b3d0c0cef9a87a1501361b8ccc8949d4c3735a759fde5ed486635f5f7619e70be7abc300acae07",
      "2775a3f9bb46a4fda00eef650b45db52a8e8c948b6eff3b7a8206544de4f3ba0"
    ),
    (
      "3d007ab1483de3511ce9a7edc7a9610bcacac0ec6f3d7cb45de08fcc6a00a185b01bc4fee3ea6147e29e72c68b6bf2dad44392bf17e4aeb2ae147f55c02b9254",
      "b9e850d487a74e6b8e07330b7648b6c1aa84cdcc16b238c96d47613de313e2f9"
    ),
  ]

  @Test("NIST SHA256ShortMsg vectors", arguments: 0..<shortMessages.count)
  func nistShortMessage(_ index: Int) throws {
    let vector = Self.shortMessages[index]
    let message = try #require(Hex.decode(vector.message))
    #expect(SHA256.hash(message).hex == vector.digest)
  }

  @Test("FIPS 180 examples: abc, two-block messages, one million 'a'")
  func fipsExamples() {
    #expect(
      SHA256.hash(Array("abc".utf8)).hex
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    let long =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
    #expect(
      SHA256.hash(Array(long.utf8)).hex
        == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    #expect(
      SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("incremental updates split at every offset give the one-shot digest")
  func incrementalMatchesOneShot() {
    let message = (0..<130).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    let expected = SHA256.hash(message)
    for split in 0...message.count {
      var hasher = SHA256()
      hasher.update(message[..<split])
      hasher.update(message[split...])
      #expect(hasher.finalize() == expected, "split at \(split)")
    }
  }

  /// Digests from Python's `hashlib` of `(i * 37 + 11) mod 256` for i < n, at the lengths where
  /// padding spills into a second block (55, 56, 119, 120) and around block boundaries.
  static let paddingEdges: [(Int, String)] = [
    (55, "2900465fcb533e05a158fd2b3be0e5e3b03740d83060aa3580e0d98a96bf2384"),
    (56, "31454ff48ef36af2f08fd511bdc37d9d5855ac23e992e5ff5445cb6b7674a674"),
    (57, "bcc0a5d3791b985b7550e04ca660a6c63a589ba1edd2283c8e110e5b515df124"),
    (63, "5f6401b96532c36de4e65beec0409b69b1d181864c8009b7a04f43e5d56350d1"),
    (64, "94eb5de4943613fd048dc93393ab06877405faa39c11f53e9386083339833e7e"),
    (65, "fc518669b6eb4b4dd91827ecacef86689c725bd5bab888fd3b26dbb196eec954"),
    (111, "aeca4f5a02aead30b044df2ce00b97f2f4874c25352eaa1916a1831819dcc3dd"),
    (112, "cec7a189fcea0a38f025f11208b1bd2b12ec291ff00ec5448a325c5c8db0c7ac"),
    (119, "b0dc41b1a384e2f1203f0351b38fbeaafceef577ce1191d5bfc25da39f721eae"),
    (120, "5df24dd802ac26132ce608dcb5f09841eef039ee0f152acf98d26d17fe4e88e6"),
    (127, "0fe729ff19257bd6fec853acc2ea355f6b34b58e6c0f684c3e188fcdfcd9baae"),
    (128, "0aedd4856f8eba0963627336ad5144a9a7dbe12498e6066f0165fc97d8ddee4c"),
    (129, "4f1757ae4bffbae86d775b831765b75af154d52f7deaa46dd378051a2d3ad57f"),
    (1000, "57799de80e3dd6e2ac4d40c41a150d1662f7f87d0d994776a2fdc37c39b0ea4e"),
  ]

  @Test("padding edges, one shot and one byte at a time", arguments: 0..<paddingEdges.count)
  func paddingEdge(_ index: Int) {
    let (length, digest) = Self.paddingEdges[index]
    let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    #expect(SHA256.hash(message).hex == digest)
    var hasher = SHA256()
    for byte in message { hasher.update([byte]) }
    #expect(hasher.finalize().hex == digest, "byte at a time, length \(length)")
  }

  /// RFC 4231 §4.2–4.8, every HMAC-SHA-256 case (case 5 truncated to 128 bits).
  static let rfc4231: [(key: [UInt8], data: [UInt8], mac: String)] = [
    (
      [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    ),
    (
      Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    ),
    (
      [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
      "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"
    ),
    (
      Array(1...25), [UInt8](repeating: 0xcd, count: 50),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
    ),
    (
      [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
      "a3b6167473100ee06e0c796c2955552b"
    ),
    (
      [UInt8](repeating: 0xaa, count: 131),
      Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    ),
    (
      [UInt8](repeating: 0xaa, count: 131),
      Array(
        ("This is a test using a larger than block-size key and a larger than block-size data. "
          + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
    ),
  ]

  @Test("RFC 4231 HMAC-SHA-256 test cases", arguments: 0..<rfc4231.count)
  func rfc4231Case(_ index: Int) throws {
    let vector = Self.rfc4231[index]
    let mac = HMACSHA256.authenticate(vector.data, key: vector.key)
    #expect(mac.hex.hasPrefix(vector.mac))
    let expected = try #require(Hex.decode(vector.mac))
    if expected.count == 32 {
      #expect(HMACSHA256.isValid(expected, for: vector.data, key: vector.key))
      var tampered = expected
      tampered[31] ^= 1
      #expect(!HMACSHA256.isValid(tampered, for: vector.data, key: vector.key))
    }
  }

  @Test func hexRoundTripAndRejects() {
    #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
    #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
    #expect(Hex.decode("abc") == nil)
    #expect(Hex.decode("zz") == nil)
    #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
    #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
    #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
  }
}
