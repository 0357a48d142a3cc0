import OutpostStore
import OutpostTestRandom
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Descriptors for in-memory open files.
///
/// ``FileHandle`` has no initializer outside `OutpostStore`, so each open in-memory file borrows
/// a real read-only descriptor of `/dev/null` (which keeps descriptors unique among open
/// files); a closed file gives it back for reuse. They are never read or written.
private let descriptorPool = Mutex<[FileHandle]>([])

private func borrowDescriptor() throws(FileSystemError) -> FileHandle {
  if let handle = descriptorPool.withLock({ $0.popLast() }) { return handle }
  return try PosixFileSystem().open("/dev/null", .read)
}

private func returnDescriptor(_ handle: FileHandle) {
  descriptorPool.withLock { $0.append(handle) }
}

/// A ``FileInfo`` to fill in (its initializer is not visible outside `OutpostStore`).
private let infoTemplate: FileInfo? = try? PosixFileSystem().info("/")

/// An in-memory ``FileSystem`` that remembers what is on stable storage, so tests can simulate
/// a crash or a power loss without touching the disk (docs/reliability.md §5 families 1 and 6).
///
/// Every file has its visible bytes and its *durable* bytes; every directory has its visible
/// entries and its durable entries. `sync` on a file makes its bytes durable; `sync` on a
/// directory makes its entries durable (creations, renames and removals inside it). Nothing else
/// is durable: data written but never synced, and a rename whose directory was never synced,
/// may be lost by ``crash(_:)``, exactly the guarantees SPEC.md §4.3's commit protocol relies on.
///
/// Paths are absolute (`/repo/journal/0000000001.jsonl`); there are no symbolic links. Locks
/// are per open file and are released when the file is closed or at a crash.
package final class MemoryFileSystem: FileSystem {
  /// What a simulated crash keeps.
  package enum Crash: Sendable, Equatable {
    /// The process dies (kill -9): the kernel keeps everything written, synced or not.
    case process
    /// The power fails: only what was synced survives.
    case powerLoss
    /// The power fails and the disk kept an arbitrary mix of the unsynced changes: each file
    /// independently keeps its durable bytes, its visible bytes, a torn prefix of an append, or
    /// garbage in place of the appended bytes; each directory entry independently keeps its
    /// durable or its visible target. Deterministic for a given seed.
    case powerLossTorn(seed: UInt64)
  }

  private struct Node {
    var isDirectory: Bool
    var data: [UInt8] = []
    var durableData: [UInt8] = []
    var entries: [String: Int] = [:]
    var durableEntries: [String: Int] = [:]
    var mode: UInt32
  }

  private struct OpenFile {
    var node: Int
    var position = 0
    var append = false
    var writable = false
  }

  private struct State {
    var nodes: [Int: Node] = [0: Node(isDirectory: true, mode: 0o755)]
    var nextNode = 1
    var open: [Int32: (file: OpenFile, handle: FileHandle)] = [:]
    /// Exclusive locks by node: the descriptor holding it.
    var locks: [Int: Int32] = [:]
    /// Shared locks by node: the descriptors holding one.
    var sharedLocks: [Int: Set<Int32>] = [:]
    /// Every visible path (canonical spelling) and its node, so lookups need no walk.
    var index: [String: Int] = ["/": 0]
  }

  private let state: Mutex<State>

  /// An empty file system holding only the root folder `/`.
  package init() { state = Mutex(State()) }

  deinit {
    state.withLock { state in
      for (_, entry) in state.open { returnDescriptor(entry.handle) }
    }
  }

  private init(copying source: State) {
    var copy = source
    copy.open = [:]
    copy.locks = [:]
    copy.sharedLocks = [:]
    state = Mutex(copy)
  }

  // MARK: Test controls

  /// Replaces a file's bytes (durably), as damage or an edit by hand would leave them.
  package func writeFile(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) {
    if try exists(path) { try remove(path) }
    let handle = try open(path, .createNew(secret: false))
    try write(handle, bytes)
    try sync(handle)
    try close(handle)
  }

  /// An independent copy of the files and folders (visible and durable), with nothing open.
  package func copy() -> MemoryFileSystem {
    MemoryFileSystem(copying: state.withLock { $0 })
  }

  /// Every visible path with its contents (folders end with `/` and have no contents), for
  /// byte-identical comparisons.
  package func snapshot() -> [String: [UInt8]] {
    state.withLock { state in
      var result: [String: [UInt8]] = [:]
      func walk(_ node: Int, _ path: String) {
        guard let current = state.nodes[node] else { return }
        if current.isDirectory {
          result[path + "/"] = []
          for (name, child) in current.entries { walk(child, path + "/" + name) }
        } else {
          result[path] = current.data
        }
      }
      walk(0, "")
      return result
    }
  }

  /// Makes everything currently visible durable (as after `sync` of every file and folder).
  package func makeDurable() {
    state.withLock { state in
      for (id, var node) in state.nodes {
        node.durableData = node.data
        node.durableEntries = node.entries
        state.nodes[id] = node
      }
    }
  }

  /// Simulates a crash.
  ///
  /// Every open file is closed and every lock released, and what was not durable is kept,
  /// dropped or damaged as `kind` says. Afterwards everything is durable.
  package func crash(_ kind: Crash) {
    state.withLock { state in
      for (_, entry) in state.open { returnDescriptor(entry.handle) }
      state.open = [:]
      state.locks = [:]
      state.sharedLocks = [:]
      for id in state.nodes.keys.sorted() {
        var node = state.nodes[id]!
        switch kind {
        case .process: break
        case .powerLoss:
          node.data = node.durableData
          node.entries = node.durableEntries
        case .powerLossTorn(let seed):
          // Each file and each name draws from its own stream, so the outcome for one does not
          // depend on how many others there are (temporary names vary between runs).
          if node.data != node.durableData {
            var random = SplitMix64(seed: seed ^ (UInt64(id) &* 0x9E37_79B9_7F4A_7C15))
            node.data = Self.survivor(of: node, &random)
          }
          if node.entries != node.durableEntries {
            var entries: [String: Int] = [:]
            for name in Set(node.entries.keys).union(node.durableEntries.keys) {
              var random = SplitMix64(seed: seed ^ UInt64(id) ^ Self.hash(name))
              let keepVisible = random.next() % 2 == 0
              if let target = keepVisible ? node.entries[name] : node.durableEntries[name] {
                entries[name] = target
              }
            }
            node.entries = entries
          }
        }
        node.durableData = node.data
        node.durableEntries = node.entries
        state.nodes[id] = node
      }
      Self.collectGarbage(&state)
      Self.rebuildIndex(&state)
    }
  }

  /// FNV-1a of a name: a hash that is the same in every process (unlike `Hasher`).
  private static func hash(_ name: String) -> UInt64 {
    name.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
  }

  /// What survives of a file whose visible bytes differ from its durable bytes.
  private static func survivor(of node: Node, _ random: inout SplitMix64) -> [UInt8] {
    let appended =
      node.data.count > node.durableData.count && node.data.starts(with: node.durableData)
    let choice = random.next() % (appended ? 4 : 2)
    switch choice {
    case 0: return node.durableData
    case 1: return node.data
    case 2:
      let extra = node.data.count - node.durableData.count
      let kept = Int(random.next() % UInt64(extra))
      return Array(node.data.prefix(node.durableData.count + kept))
    default:
      let extra = node.data.count - node.durableData.count
      return node.durableData + (0..<extra).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }
  }

  private static func collectGarbage(_ state: inout State) {
    var reachable: Set<Int> = []
    var pending = [0]
    while let id = pending.popLast() {
      guard reachable.insert(id).inserted, let node = state.nodes[id] else { continue }
      pending += node.entries.values
      pending += node.durableEntries.values
    }
    state.nodes = state.nodes.filter { reachable.contains($0.key) }
  }

  // MARK: Paths

  private static func rebuildIndex(_ state: inout State) {
    var index: [String: Int] = ["/": 0]
    func walk(_ node: Int, _ path: String) {
      guard let current = state.nodes[node], current.isDirectory else { return }
      for (name, child) in current.entries {
        let childPath = path == "/" ? "/" + name : path + "/" + name
        index[childPath] = child
        walk(child, childPath)
      }
    }
    walk(0, "/")
    state.index = index
  }

  /// Whether `path` is spelled as the index spells it: absolute, with no empty, `.` or `..`
  /// component and no trailing slash.
  private static func isCanonical(_ path: String) -> Bool {
    if path == "/" { return true }
    var length = -1  // the current component's length; -1 before the leading slash
    var onlyDots = true
    for byte in path.utf8 {
      if byte == UInt8(ascii: "/") {
        if length == 0 || (length > 0 && onlyDots && length <= 2) { return false }
        length = 0
        onlyDots = true
      } else {
        if length < 0 { return false }
        length += 1
        if byte != UInt8(ascii: ".") { onlyDots = false }
      }
    }
    return length > 0 && !(onlyDots && length <= 2)
  }

  /// Records that a file or an empty folder appeared at `path` (or, with nil, that a file
  /// left it); an unusual spelling rebuilds the whole index.
  private static func indexed(_ state: inout State, _ path: String, _ node: Int?) {
    if isCanonical(path) { state.index[path] = node } else { rebuildIndex(&state) }
  }

  private static func components(_ path: String) -> [Substring] {
    path.split(separator: "/", omittingEmptySubsequences: true)
  }

  private static func lookup(_ state: State, _ path: String) -> Int? {
    if let node = state.index[path] { return node }
    if isCanonical(path) { return nil }
    var current = 0
    for name in components(path) {
      guard let node = state.nodes[current], node.isDirectory,
        let next = node.entries[String(name)]
      else { return nil }
      current = next
    }
    return current
  }

  /// The parent folder of `path` and the last name, or ENOENT/ENOTDIR.
  private static func parent(_ state: State, _ path: String, _ operation: String)
    throws(FileSystemError) -> (Int, String)
  {
    if isCanonical(path), path != "/", let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) {
      let parentPath = slash == path.utf8.startIndex ? "/" : String(path[..<slash])
      let name = String(path[path.index(after: slash)...])
      guard let parent = state.index[parentPath] else {
        throw FileSystemError(operation, path, .noSuchFile)
      }
      guard state.nodes[parent]?.isDirectory == true else {
        throw FileSystemError(operation, path, Errno(ENOTDIR))
      }
      return (parent, name)
    }
    var names = components(path)
    guard let last = names.popLast() else {
      throw FileSystemError(operation, path, .fileExists)
    }
    var current = 0
    for name in names {
      guard let node = state.nodes[current], let next = node.entries[String(name)] else {
        throw FileSystemError(operation, path, .noSuchFile)
      }
      guard state.nodes[next]?.isDirectory == true else {
        throw FileSystemError(operation, path, Errno(ENOTDIR))
      }
      current = next
    }
    guard state.nodes[current]?.isDirectory == true else {
      throw FileSystemError(operation, path, Errno(ENOTDIR))
    }
    return (current, String(last))
  }

  private static func file(_ state: State, _ handle: FileHandle, _ operation: String)
    throws(FileSystemError) -> OpenFile
  {
    guard let file = state.open[handle.descriptor]?.file else {
      throw FileSystemError(operation, handle.path, Errno(EBADF))
    }
    return file
  }

  // MARK: FileSystem

  package func open(_ path: String, _ mode: OpenMode) throws(FileSystemError) -> FileHandle {
    try state.withLock { (state: inout State) throws(FileSystemError) -> FileHandle in
      var file: OpenFile
      switch mode {
      case .read, .append, .directory:
        guard let node = Self.lookup(state, path) else {
          throw FileSystemError("open", path, .noSuchFile)
        }
        let isDirectory = state.nodes[node]!.isDirectory
        if mode == .directory && !isDirectory {
          throw FileSystemError("open", path, Errno(ENOTDIR))
        }
        if mode == .append && isDirectory { throw FileSystemError("open", path, Errno(EISDIR)) }
        file = OpenFile(node: node)
        if mode == .append {
          file.append = true
          file.writable = true
        }
      case .createNew(let secret):
        let (parent, name) = try Self.parent(state, path, "open")
        guard state.nodes[parent]!.entries[name] == nil else {
          throw FileSystemError("open", path, .fileExists)
        }
        let node = state.nextNode
        state.nextNode += 1
        state.nodes[node] = Node(isDirectory: false, mode: secret ? 0o600 : 0o644)
        state.nodes[parent]!.entries[name] = node
        Self.indexed(&state, path, node)
        file = OpenFile(node: node, writable: true)
      case .readWriteCreate:
        if let node = Self.lookup(state, path) {
          guard !state.nodes[node]!.isDirectory else {
            throw FileSystemError("open", path, Errno(EISDIR))
          }
          file = OpenFile(node: node, writable: true)
        } else {
          let (parent, name) = try Self.parent(state, path, "open")
          let node = state.nextNode
          state.nextNode += 1
          state.nodes[node] = Node(isDirectory: false, mode: 0o644)
          state.nodes[parent]!.entries[name] = node
          Self.indexed(&state, path, node)
          file = OpenFile(node: node, writable: true)
        }
      }
      let handle = try borrowDescriptor()
      state.open[handle.descriptor] = (file, handle)
      return handle
    }
  }

  package func write(_ handle: FileHandle, _ bytes: UnsafeRawBufferPointer) throws(FileSystemError)
  {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      var file = try Self.file(state, handle, "write")
      guard file.writable else { throw FileSystemError("write", handle.path, Errno(EBADF)) }
      var node = state.nodes[file.node]!
      if file.append { file.position = node.data.count }
      if file.position > node.data.count {
        node.data += [UInt8](repeating: 0, count: file.position - node.data.count)
      }
      let end = file.position + bytes.count
      let overlap = min(end, node.data.count) - file.position
      if overlap > 0 {
        node.data.replaceSubrange(
          file.position..<(file.position + overlap), with: bytes[..<overlap])
      }
      if overlap < bytes.count { node.data += bytes[overlap...] }
      file.position = end
      state.nodes[file.node] = node
      state.open[handle.descriptor] = (file, handle)
    }
  }

  package func readToEnd(_ handle: FileHandle) throws(FileSystemError) -> [UInt8] {
    try state.withLock { (state: inout State) throws(FileSystemError) -> [UInt8] in
      var file = try Self.file(state, handle, "read")
      let node = state.nodes[file.node]!
      guard !node.isDirectory else { throw FileSystemError("read", handle.path, Errno(EISDIR)) }
      let start = min(file.position, node.data.count)
      file.position = node.data.count
      state.open[handle.descriptor] = (file, handle)
      return Array(node.data[start...])
    }
  }

  package func sync(_ handle: FileHandle) throws(FileSystemError) {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      let file = try Self.file(state, handle, "fsync")
      var node = state.nodes[file.node]!
      if node.isDirectory {
        node.durableEntries = node.entries
      } else {
        node.durableData = node.data
      }
      state.nodes[file.node] = node
    }
  }

  package func close(_ handle: FileHandle) throws(FileSystemError) {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      let file = try Self.file(state, handle, "close")
      state.open[handle.descriptor] = nil
      returnDescriptor(handle)
      if state.locks[file.node] == handle.descriptor { state.locks[file.node] = nil }
      state.sharedLocks[file.node]?.remove(handle.descriptor)
      if state.sharedLocks[file.node]?.isEmpty == true { state.sharedLocks[file.node] = nil }
    }
  }

  package func truncate(_ handle: FileHandle, to length: Int64) throws(FileSystemError) {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      let file = try Self.file(state, handle, "truncate")
      guard file.writable else { throw FileSystemError("truncate", handle.path, Errno(EBADF)) }
      var node = state.nodes[file.node]!
      let length = Int(length)
      if length < node.data.count {
        node.data.removeSubrange(length...)
      } else {
        node.data += [UInt8](repeating: 0, count: length - node.data.count)
      }
      state.nodes[file.node] = node
    }
  }

  package func seek(_ handle: FileHandle, to offset: Int64) throws(FileSystemError) {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      var file = try Self.file(state, handle, "seek")
      file.position = Int(offset)
      state.open[handle.descriptor] = (file, handle)
    }
  }

  package func size(_ handle: FileHandle) throws(FileSystemError) -> Int64 {
    try state.withLock { (state: inout State) throws(FileSystemError) -> Int64 in
      var file = try Self.file(state, handle, "seek")
      // Like the POSIX implementation: seek to the end for the size, then back to the start.
      file.position = 0
      state.open[handle.descriptor] = (file, handle)
      return Int64(state.nodes[file.node]!.data.count)
    }
  }

  package func tryLock(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    try state.withLock { (state: inout State) throws(FileSystemError) -> Bool in
      let file = try Self.file(state, handle, "flock")
      if let holder = state.locks[file.node], holder != handle.descriptor { return false }
      if let readers = state.sharedLocks[file.node],
        !readers.subtracting([handle.descriptor]).isEmpty
      {
        return false
      }
      state.sharedLocks[file.node]?.remove(handle.descriptor)
      state.locks[file.node] = handle.descriptor
      return true
    }
  }

  package func tryLockShared(_ handle: FileHandle) throws(FileSystemError) -> Bool {
    try state.withLock { (state: inout State) throws(FileSystemError) -> Bool in
      let file = try Self.file(state, handle, "flock")
      if let holder = state.locks[file.node], holder != handle.descriptor { return false }
      if state.locks[file.node] == handle.descriptor { state.locks[file.node] = nil }
      state.sharedLocks[file.node, default: []].insert(handle.descriptor)
      return true
    }
  }

  package func rename(_ from: String, _ to: String) throws(FileSystemError) {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      let (fromParent, fromName) = try Self.parent(state, from, "rename")
      let (toParent, toName) = try Self.parent(state, to, "rename")
      guard let node = state.nodes[fromParent]!.entries[fromName] else {
        throw FileSystemError("rename", "\(from)' to '\(to)", .noSuchFile)
      }
      if let existing = state.nodes[toParent]!.entries[toName], existing != node,
        state.nodes[existing]!.isDirectory
      {
        throw FileSystemError("rename", "\(from)' to '\(to)", Errno(EISDIR))
      }
      state.nodes[fromParent]!.entries[fromName] = nil
      state.nodes[toParent]!.entries[toName] = node
      if state.nodes[node]!.isDirectory || !Self.isCanonical(from) || !Self.isCanonical(to) {
        Self.rebuildIndex(&state)
      } else {
        state.index[from] = nil
        state.index[to] = node
      }
    }
  }

  package func remove(_ path: String) throws(FileSystemError) {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      let (parent, name) = try Self.parent(state, path, "remove")
      guard let node = state.nodes[parent]!.entries[name] else {
        throw FileSystemError("remove", path, .noSuchFile)
      }
      guard !state.nodes[node]!.isDirectory else {
        throw FileSystemError("remove", path, Errno(EISDIR))
      }
      state.nodes[parent]!.entries[name] = nil
      Self.indexed(&state, path, nil)
    }
  }

  package func makeDirectory(_ path: String) throws(FileSystemError) {
    try state.withLock { (state: inout State) throws(FileSystemError) in
      let (parent, name) = try Self.parent(state, path, "mkdir")
      guard state.nodes[parent]!.entries[name] == nil else {
        throw FileSystemError("mkdir", path, .fileExists)
      }
      let node = state.nextNode
      state.nextNode += 1
      state.nodes[node] = Node(isDirectory: true, mode: 0o755)
      state.nodes[parent]!.entries[name] = node
      Self.indexed(&state, path, node)
    }
  }

  package func list(_ path: String) throws(FileSystemError) -> [String] {
    try state.withLock { (state: inout State) throws(FileSystemError) -> [String] in
      guard let id = Self.lookup(state, path), let node = state.nodes[id] else {
        throw FileSystemError("list", path, .noSuchFile)
      }
      guard node.isDirectory else { throw FileSystemError("list", path, Errno(ENOTDIR)) }
      return node.entries.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
  }

  package func info(_ path: String) throws(FileSystemError) -> FileInfo? {
    state.withLock { state in
      guard let id = Self.lookup(state, path), let node = state.nodes[id] else { return nil }
      guard var info = infoTemplate else { return nil }
      info.kind = node.isDirectory ? .directory : .regular
      info.size = Int64(node.isDirectory ? 4096 : node.data.count)
      info.mode = node.mode
      info.linkCount = 1
      return info
    }
  }
}
