/// `--help` pages, written from the program's table (so they list exactly what the parser accepts).
enum HelpText {
    /// The help of one command: synopsis, summary, arguments, options (with environment variables and defaults),
    /// global options, discussion, examples.
    static func command(_ program: ProgramSpec, _ command: CommandSpec) -> String {
        var lines = ["usage: " + synopsis(program, command)]
        if !program.hasSubcommands(command.path) || !command.path.isEmpty {
            lines += ["", command.path.isEmpty ? program.summary : command.summary]
        } else {
            lines += ["", program.summary, "", "commands:"] + commandList(program, program.commands.filter { !$0.path.isEmpty })
        }
        let arguments = command.parameters.filter(\.isPositional)
        if !arguments.isEmpty { lines += ["", "arguments:"] + arguments.flatMap(describe) }
        let options = command.parameters.filter { !$0.isPositional }
        if !options.isEmpty { lines += ["", "options:"] + options.flatMap(describe) }
        lines += globalSection(program)
        if !command.discussion.isEmpty { lines += ["", command.discussion] }
        if !command.examples.isEmpty { lines += ["", "examples:"] + command.examples.map { "  " + $0 } }
        if command.path.isEmpty { lines += ["", builtIns(program)] }
        if !program.footer.isEmpty { lines += ["", program.footer] }
        return lines.joined(separator: "\n")
    }

    /// The help of a program or a group of commands (`till member`): the commands under it, one line each.
    static func group(_ program: ProgramSpec, _ path: [String]) -> String {
        let shown = program.commands(under: path)
        let placeholder = program.depth - path.count > 1 ? "<command>" : (path.isEmpty ? "<command>" : "<verb>")
        var lines = ["usage: " + ([program.name] + path + [placeholder, "[arguments] [options]"]).joined(separator: " ")]
        if path.isEmpty { lines += ["", program.summary] }
        lines += ["", "commands:"] + commandList(program, shown)
        lines += globalSection(program)
        lines += ["", builtIns(program)]
        if !program.footer.isEmpty { lines += ["", program.footer] }
        return lines.joined(separator: "\n")
    }

    static func builtIns(_ program: ProgramSpec) -> String {
        let p = program.name
        return "\(p) help COMMAND (or \(p) COMMAND --help) shows a command's options; \(p) --version prints the version;\n"
            + "\(p) completion bash|zsh prints a shell completion script (e.g. source <(\(p) completion bash))."
    }

    static func synopsis(_ program: ProgramSpec, _ command: CommandSpec) -> String {
        var words = [program.name] + command.path
        if command.path.isEmpty && program.hasSubcommands([]) { words.append("[<command>]") }
        for p in command.parameters {
            switch p.kind {
            case .argument: words.append(p.required ? p.name : "[\(p.name)]")
            case .option where p.required: words.append("--\(p.name) \(p.valueName)")
            default: break
            }
        }
        return (words + ["[options]"]).joined(separator: " ")
    }

    static func commandList(_ program: ProgramSpec, _ commands: [CommandSpec]) -> [String] {
        let width = max(22, (commands.map { $0.path.joined(separator: " ").count }.max() ?? 0) + 2)
        return commands.map { "  " + pad($0.path.joined(separator: " "), width) + $0.summary }
    }

    static func globalSection(_ program: ProgramSpec) -> [String] {
        program.globalParameters.isEmpty ? [] : ["", "global options:"] + program.globalParameters.flatMap(describe)
    }

    /// One parameter: its name and value placeholder, its help; then where else its value comes from.
    static func describe(_ p: Parameter) -> [String] {
        let left = p.kind == .option ? "--\(p.name) \(p.valueName)" : p.displayName
        let width = 30
        var lines = ["  " + pad(left, width) + p.help + (p.required && !p.isPositional ? " (required)" : "") + (p.repeatable ? " (repeatable)" : "")]
        let sources = [p.environmentVariable.map { "env \($0)" }, p.defaultValue.flatMap { $0.isEmpty ? nil : "default: \($0)" }].compactMap { $0 }
        if !sources.isEmpty { lines.append(String(repeating: " ", count: width + 4) + sources.joined(separator: "; ")) }
        return lines
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(2, width - text.count))
    }
}
