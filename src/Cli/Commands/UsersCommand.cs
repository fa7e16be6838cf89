using System.CommandLine;
using System.Text;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg users add NAME --db DB [--password-stdin]`, `acqseg users token NAME --db DB`, `acqseg users list --db DB`,
/// `acqseg users remove NAME --db DB`, `acqseg users revoke-token ID|TOKEN --db DB` (or `--all-of NAME`): curator
/// accounts of the review UI and API tokens for scripts. Removal and revocation hold from the service's next request:
/// it reads sessions' stamps and tokens from the database every time.
/// </summary>
public static class UsersCommand
{
    public static Command Create(CliConsole console)
    {
        var cmd = new Command("users", "Curator accounts of the review UI and their API tokens");
        cmd.Subcommands.Add(Add(console));
        cmd.Subcommands.Add(Token(console));
        cmd.Subcommands.Add(List(console));
        cmd.Subcommands.Add(Remove(console));
        cmd.Subcommands.Add(RevokeToken(console));
        return cmd;
    }

    private static Option<string> DbOption() =>
        new("--db") { Description = "SQLite file or PostgreSQL connection of the service", Required = true };

    private static Command Add(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Curator name (letters, digits, '.', '_', '-')" };
        var db = DbOption();
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (scripts)" };
        var create = new Option<bool>("--create") { Description = "Make a new SQLite database when --db names no file (otherwise a mistyped path is refused)" };
        var cmd = new Command("add", "Add a curator (prompts for the password)") { name, db, stdin, create };
        cmd.SetAction(r =>
        {
            string user = r.GetValue(name)!.Trim();
            if (CuratorPasswords.CheckName(user) is { } badName) throw new UsageException(badName);
            string password = ReadPassword(console, r.GetValue(stdin));
            if (CuratorPasswords.CheckPassword(password) is { } badPassword) throw new UsageException(badPassword);
            var store = new CuratorStore(Open(r.GetValue(db)!, r.GetValue(create)));
            if (!store.TryAddAsync(user, CuratorPasswords.Hash(user, password)).GetAwaiter().GetResult())
            {
                var taken = store.GetIncludingRemovedAsync(user).GetAwaiter().GetResult();
                throw new UsageException(taken?.RemovedAt is { } removed
                    ? $"curator '{user}' was removed at {removed}; names are not reused (reviews still name them), so pick another name"
                    : $"curator '{user}' exists already; pick another name");
            }
            console.Out.WriteLine($"curator {user} added");
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command Token(CliConsole console) =>
        CuratorCommand("token", "Create an API token for scripts (send it as 'Authorization: Bearer TOKEN'); printed once", "Curator the token acts for",
            (user, store) =>
            {
                if (store.GetAsync(user).GetAwaiter().GetResult() is null)
                    throw new UsageException($"curator '{user}' does not exist; add it with 'acqseg users add {user} --db ...'");
                var (token, sha) = CuratorPasswords.NewToken();
                store.AddTokenAsync(user, sha).GetAwaiter().GetResult();
                console.Out.WriteLine(token);
                // On stderr, so scripts that capture the token from stdout get the token alone.
                console.Error.WriteLine($"token id {CuratorStore.TokenId(sha)} (revoke it with 'acqseg users revoke-token {CuratorStore.TokenId(sha)} --db ...')");
            });

    /// <summary>A subcommand on one curator NAME in the --db database.</summary>
    private static Command CuratorCommand(string verb, string description, string nameDescription, Action<string, CuratorStore> action)
    {
        var name = new Argument<string>("name") { Description = nameDescription };
        var db = DbOption();
        var cmd = new Command(verb, description) { name, db };
        cmd.SetAction(r =>
        {
            action(r.GetValue(name)!.Trim(), new CuratorStore(Open(r.GetValue(db)!)));
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command List(CliConsole console)
    {
        var db = DbOption();
        var cmd = new Command("list", "List curators, when each was added, and their API token ids") { db };
        cmd.SetAction(r =>
        {
            var store = new CuratorStore(Open(r.GetValue(db)!));
            foreach (var c in store.ListAsync().GetAwaiter().GetResult())
            {
                var tokens = store.TokensOfAsync(c.Name).GetAwaiter().GetResult();
                string locked = c.LockoutEnd is { } end && string.CompareOrdinal(end, Database.Timestamp(DateTimeOffset.UtcNow)) > 0 ? $"\tlocked out until {end}" : "";
                console.Out.WriteLine($"{c.Name}\t{c.CreatedAt}\ttokens: {(tokens.Count == 0 ? "none" : string.Join(" ", tokens.Select(t => t.Id)))}{locked}");
            }
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command Remove(CliConsole console) =>
        CuratorCommand("remove", "Remove a curator: their sessions, API tokens and frame claims end at once; reviews keep their name", "Curator to remove",
            (user, store) =>
            {
                int tokens = store.RemoveAsync(user).GetAwaiter().GetResult()
                    ?? throw new UsageException($"curator '{user}' does not exist (or was removed already); 'acqseg users list --db ...' shows the curators");
                console.Out.WriteLine($"curator {user} removed; sessions ended, {tokens} API token(s) revoked");
            });

    private static Command RevokeToken(CliConsole console)
    {
        var token = new Argument<string?>("token")
        {
            Description = $"The token's id ({CuratorStore.TokenIdLength} hex digits, from 'acqseg users list' or 'users token') or the token itself",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var allOf = new Option<string?>("--all-of") { Description = "Revoke every token of this curator instead" };
        var db = DbOption();
        var cmd = new Command("revoke-token", "Revoke an API token (or all of a curator's); requests with it are refused from then on") { token, allOf, db };
        cmd.SetAction(r =>
        {
            string? given = r.GetValue(token)?.Trim();
            string? curator = r.GetValue(allOf)?.Trim();
            if ((given is null) == (curator is null))
                throw new UsageException("give one token id (or the token), or --all-of NAME; 'acqseg users list --db ...' shows the token ids");
            var store = new CuratorStore(Open(r.GetValue(db)!));
            if (curator is not null)
            {
                if (store.GetAsync(curator).GetAwaiter().GetResult() is null)
                    throw new UsageException($"curator '{curator}' does not exist; 'acqseg users list --db ...' shows the curators");
                console.Out.WriteLine($"{store.RevokeTokensOfAsync(curator).GetAwaiter().GetResult()} API token(s) of {curator} revoked");
                return CliApp.Ok;
            }
            var found = store.TokensByIdAsync(TokenSha256Prefix(given!)).GetAwaiter().GetResult();
            if (found.Count == 0)
                throw new UsageException($"no API token with id '{given}' (revoked already?); 'acqseg users list --db ...' shows the token ids");
            if (found.Count > 1)
                throw new UsageException($"token id '{given}' matches {found.Count} tokens ({string.Join(", ", found.Select(t => $"{t.Curator}'s of {t.CreatedAt}"))}); give more hex digits of it");
            store.RevokeTokenAsync(found[0].Sha256).GetAwaiter().GetResult();
            console.Out.WriteLine($"API token {found[0].Id} of {found[0].Curator} revoked");
            return CliApp.Ok;
        });
        return cmd;
    }

    /// <summary>The token itself is hashed; an id is a prefix of the hash (at least 8 hex digits, so it names one token).</summary>
    private static string TokenSha256Prefix(string given)
    {
        if (given.StartsWith("acqseg_", StringComparison.Ordinal)) return CuratorPasswords.TokenSha256(given);
        if (given.Length < 8 || given.Length > 64 || !given.All(char.IsAsciiHexDigit))
            throw new UsageException($"'{given}' is neither a token (acqseg_...) nor a token id (8-64 hex digits, as 'acqseg users list' shows)");
        return given.ToLowerInvariant();
    }

    /// <summary>The service's database; a SQLite file that does not exist is refused unless <paramref name="create"/>
    /// (a mistyped --db used to make a new database silently, and the curator could not sign in to the real one).</summary>
    private static Database Open(string connection, bool create = false) =>
        CliDatabase.Open(connection, mustExist: !create, createFlag: "--create");

    private static string ReadPassword(CliConsole console, bool fromStdin)
    {
        if (fromStdin)
            return console.In.ReadLine()?.TrimEnd('\r') ?? throw new UsageException("--password-stdin: standard input is empty; pipe the password in");
        if (!console.InIsTerminal)
            throw new UsageException("no terminal to prompt for the password on; pass it on standard input with --password-stdin");
        string first = Prompt(console, "Password: ");
        string second = Prompt(console, "Repeat password: ");
        if (first != second) throw new UsageException("the two passwords differ; run the command again");
        return first;
    }

    /// <summary>Reads a line from the terminal without echoing it.</summary>
    private static string Prompt(CliConsole console, string label)
    {
        console.Error.Write(label);
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0) text.Length--;
                continue;
            }
            if (!char.IsControl(key.KeyChar)) text.Append(key.KeyChar);
        }
        console.Error.WriteLine();
        return text.ToString();
    }
}
