import Outpost
import OutpostCodec
import OutpostModel
import OutpostStore

/// `profile publish|list|show`: the import profiles a repository holds (SPEC.md §3.6).
extension Commands {
  /// `profile publish FILE`.
  struct ProfilePublishCommand: Command {
    static let name = "profile publish"
    static let abstract = "Store an import profile for every office (head office)."
    static let arguments = ["<file>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion =
      "The profile (outpost-import-profile/1, SPEC.md §3.6) is checked against its collection "
      + "as an import would check it, then stored in import_profiles under its name; replies "
      + "carry it to every office, which then imports with --profile NAME. Publishing the same "
      + "document again changes nothing."
    static let examples = [
      "outpost profile publish fixtures/import-profiles/baidu-sem-daily.json --repo hq"
    ]
    typealias Options = NoteOptions

    static func run(_ options: Options, _ context: Context) throws {
      let argument = context.arguments[0]
      let bytes = try context.readInputFile(argument, .importProfile).bytes
      let repository = try context.openWriter()
      let summary: CommitSummary
      do throws(OutpostError) {
        let profile = try ImportProfile.decode(bytes, source: argument)
        summary = try repository.publishImportProfile(profile, note: options.note)
        let name = profile.name ?? ""
        context.console.out(
          summary.transaction == nil
            ? "profile '\(name)' is already stored with this document; nothing changed\n"
            : "published profile '\(name)' for \(profile.collection) (transaction "
              + "\(summary.transaction!)); replies carry it to every office, which imports "
              + "with: outpost import \(profile.collection) FILE --profile \(name)\n")
      } catch { throw CLIError(error) }
    }
  }

  /// `profile list`.
  struct ProfileListCommand: Command {
    static let name = "profile list"
    static let abstract = "List the stored import profiles."
    static let arguments: [String] = []
    static let arity: (min: Int, max: Int?) = (0, 0)
    static let discussion = "One line per profile: its name, collection and description."
    static let examples = ["outpost profile list"]

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      var profiles: [(name: String, profile: ImportProfile)] = []
      do throws(OutpostError) {
        for name in try repository.importProfileNames() {
          profiles.append((name, try repository.importProfile(named: name)))
        }
      } catch { throw CLIError(error) }
      if context.format() == .json {
        printJSON(
          context, "outpost-profiles/1",
          [
            (
              "profiles",
              .array(
                profiles.map { name, profile in
                  .object(
                    JSONObject(uncheckedPairs: [
                      ("collection", .string(profile.collection)),
                      ("description", profile.description.map(JSONValue.string) ?? .null),
                      ("name", .string(name)),
                    ]))
                })
            )
          ])
        return
      }
      if profiles.isEmpty {
        context.console.out("no import profiles are stored (head office publishes them)\n")
      }
      let width = profiles.map(\.name.count).max() ?? 0
      for (name, profile) in profiles {
        context.console.out(
          name + String(repeating: " ", count: width - name.count + 2) + profile.collection
            + (profile.description.map { "  " + $0 } ?? "") + "\n")
      }
    }
  }

  /// `profile show NAME`.
  struct ProfileShowCommand: Command {
    static let name = "profile show"
    static let abstract = "Print a stored import profile's document, to save and adapt."
    static let arguments = ["<name>"]
    static let arity: (min: Int, max: Int?) = (1, 1)
    static let discussion = "Prints the profile as indented JSON; save it to a file to adapt it."
    static let examples = ["outpost profile show baidu-sem-daily > my-sem.json"]

    static func run(_ options: Options, _ context: Context) throws {
      let repository = try context.openReader()
      let profile: ImportProfile
      do throws(OutpostError) {
        profile = try repository.importProfile(named: context.arguments[0])
      } catch { throw CLIError(error) }
      context.console.out(
        String(decoding: JSONWriter.prettyBytes(profile.document), as: UTF8.self) + "\n")
    }
  }
}
