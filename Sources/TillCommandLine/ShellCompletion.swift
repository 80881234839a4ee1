/// `PROGRAM completion bash|zsh`: a completion script generated from the program's table, so it never lags behind it.
///
/// Guarantees: the script completes command words level by level (also after `help`), then the command's options
/// (its own and the global ones) and the choices of the option being completed; it runs no process while completing.
enum ShellCompletion {
    static func bash(_ program: ProgramSpec) -> String {
        let function = "_" + program.name.map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
        var cases: [String] = []
        // Groups and commands named by exactly the words typed so far: their subcommands and, for a command, options.
        var prefixes: [[String]] = [[]]
        for c in program.commands {
            for n in 1...max(1, c.path.count) where n <= c.path.count && !prefixes.contains(Array(c.path.prefix(n))) {
                prefixes.append(Array(c.path.prefix(n)))
            }
        }
        for prefix in prefixes {
            var words = Set(program.commands.filter { $0.path.count > prefix.count && $0.path.starts(with: prefix) }.map { $0.path[prefix.count] })
                .sorted()
            if prefix.isEmpty { words += ["help", "completion"] }
            if let c = program.command(prefix) { words += options(program, c) }
            cases.append("        \(quote(prefix))) words=\"\(words.joined(separator: " "))\" ;;")
        }
        // A command followed by its positional arguments: its options.
        for c in program.commands where !c.path.isEmpty && c.path.count < program.depth {
            cases.append("        \(quote(c.path))\" \"*) words=\"\(options(program, c).joined(separator: " "))\" ;;")
        }
        // The value of an option: its choices, else files (`-o default`).
        var choices: [(String, [String])] = []
        var valued: [String] = []
        for p in program.commands.flatMap(\.parameters) + program.globalParameters where p.kind == .option {
            if p.choices.isEmpty {
                if !valued.contains("--" + p.name) { valued.append("--" + p.name) }
            } else if let i = choices.firstIndex(where: { $0.0 == p.name }) {
                choices[i].1 += p.choices.filter { !choices[i].1.contains($0) }
            } else {
                choices.append((p.name, p.choices))
            }
        }
        var valueCases = choices.map { "        --\($0.0)) COMPREPLY=($(compgen -W \"\($0.1.joined(separator: " "))\" -- \"$cur\")); return ;;" }
        if !valued.isEmpty { valueCases.append("        \(valued.joined(separator: "|"))) COMPREPLY=(); return ;;") }
        return """
            # \(program.name) completion for bash: source <(\(program.name) completion bash)
            \(function)() {
                local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} key="" words="" i start=1
                case "$prev" in
            \(valueCases.joined(separator: "\n"))
                esac
                [[ ${COMP_WORDS[1]} == help ]] && start=2
                for ((i = start; i < COMP_CWORD && i < start + \(max(1, program.depth)); i++)); do
                    [[ ${COMP_WORDS[i]} == -* ]] && break
                    key="${key:+$key }${COMP_WORDS[i]}"
                done
                case "$key" in
                    "completion") words="bash zsh" ;;
            \(cases.joined(separator: "\n"))
                esac
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
            }
            complete -o default -F \(function) \(program.name)
            """
    }

    static func zsh(_ program: ProgramSpec) -> String {
        """
        #compdef \(program.name)
        # \(program.name) completion for zsh: source <(\(program.name) completion zsh)
        autoload -U +X bashcompinit && bashcompinit
        \(bash(program))
        """
    }

    static func options(_ program: ProgramSpec, _ c: CommandSpec) -> [String] {
        program.parameters(of: c).filter { !$0.isPositional }.map { "--" + $0.name } + ["--help"]
    }

    static func quote(_ path: [String]) -> String { "\"" + path.joined(separator: " ") + "\"" }
}
