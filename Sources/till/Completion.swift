import Foundation

/// `till completion bash|zsh`: a completion script generated from the command table, so it never lags behind it.
///
/// Guarantees: the script completes nouns, then the noun's verbs, then the command's `--options` (its own and the
/// global ones), all read from `commands` and `globalOptions`; it runs no `till` process while completing.
enum Completion {
    static func run(_ words: [String]) -> Int32 {
        let shell = words.first { !$0.hasPrefix("-") }
        switch shell {
        case "bash": print(bash); return 0
        case "zsh": print(zsh); return 0
        default:
            FileHandle.standardError.write(Data("till: usage: till completion bash|zsh (e.g. source <(till completion bash))\n".utf8))
            return words.contains("--help") ? 0 : 2
        }
    }

    static var nouns: [String] {
        var seen: [String] = []
        for c in commands where !seen.contains(c.noun) { seen.append(c.noun) }
        return seen + ["help", "completion"]
    }

    /// `noun` → its verbs; `noun verb` → the options it takes.
    static func verbs(_ noun: String) -> [String] { commands.filter { $0.noun == noun && !$0.verb.isEmpty }.map(\.verb) }
    static func options(_ c: Command) -> [String] { (c.parameters + globalOptions).filter { !$0.positional }.map { "--" + $0.name } }

    /// A shell `case` body: one pattern per noun (verbs) and per command (options).
    private static func cases(verbs verbLine: (String, [String]) -> String, options optionLine: (String, [String]) -> String) -> String {
        var lines: [String] = []
        for noun in nouns.filter({ n in commands.contains { $0.noun == n } }) {
            let vs = verbs(noun)
            if vs.isEmpty, let c = commands.first(where: { $0.noun == noun }) { lines.append(optionLine(noun, options(c))) } else {
                lines.append(verbLine(noun, vs))
            }
        }
        for c in commands where !c.verb.isEmpty { lines.append(optionLine("\(c.noun) \(c.verb)", options(c))) }
        return lines.joined(separator: "\n")
    }

    static var bash: String {
        let body = cases(verbs: { "        \"\($0)\") words=\"\($1.joined(separator: " "))\" ;;" },
                         options: { "        \"\($0)\") words=\"\($1.joined(separator: " "))\" ;;" })
        return """
            # till completion for bash: source <(till completion bash)
            _till() {
                local cur=${COMP_WORDS[COMP_CWORD]} key="" words="" i start=1
                [[ ${COMP_WORDS[1]} == help ]] && start=2
                for ((i = start; i < COMP_CWORD && i < start + 2; i++)); do
                    [[ ${COMP_WORDS[i]} == -* ]] && break
                    key="${key:+$key }${COMP_WORDS[i]}"
                done
                case "$key" in
                    "") words="\(nouns.joined(separator: " "))" ;;
                    "completion") words="bash zsh" ;;
            \(body)
                esac
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
            }
            complete -o default -F _till till
            """
    }

    static var zsh: String {
        """
        #compdef till
        # till completion for zsh: source <(till completion zsh)
        autoload -U +X bashcompinit && bashcompinit
        \(bash)
        """
    }
}

/// The command or option the user most likely meant, by edit distance.
enum Suggestion {
    /// The closest known `noun verb` (or `noun`) to the words typed; nil when nothing is close.
    static func closest(to typed: [String]) -> String? {
        let text = typed.joined(separator: " ")
        let candidates = commands.map { [$0.noun, $0.verb].filter { !$0.isEmpty }.joined(separator: " ") }
        if typed.count == 2, commands.contains(where: { $0.noun == typed[0] }) {
            // The noun is right: compare verbs only.
            return closest(typed[1], among: Completion.verbs(typed[0])).map { typed[0] + " " + $0 }
        }
        if typed.count == 1 { return closest(text, among: Completion.nouns.filter { $0 != "completion" && $0 != "help" }) }
        return closest(text, among: candidates)
    }

    /// The candidate within a third of the word's length (at least 2 edits) of `word`, closest first.
    static func closest(_ word: String, among candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 }?.0
    }

    /// Levenshtein distance (insert, delete, substitute; all cost 1).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        var previous = Array(0...y.count)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            var current = [i] + [Int](repeating: 0, count: y.count)
            for j in 1...max(y.count, 1) where !y.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return x.isEmpty ? y.count : previous[y.count]
    }
}
