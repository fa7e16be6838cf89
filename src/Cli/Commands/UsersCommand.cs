using System.CommandLine;
using System.Text;
using AcqSeg.Persistence;
using AcqSeg.ReviewHost.Curators;
using Microsoft.Extensions.Logging.Abstractions;

namespace AcqSeg.Cli.Commands;

/// <summary>
/// `acqseg users add NAME --db DB [--password-stdin]`, `acqseg users token NAME --db DB`, `acqseg users list --db DB`:
/// curator accounts of the review UI and API tokens for scripts.
/// </summary>
public static class UsersCommand
{
    public static Command Create(CliConsole console)
    {
        var cmd = new Command("users", "Curator accounts of the review UI and their API tokens");
        cmd.Subcommands.Add(Add(console));
        cmd.Subcommands.Add(Token(console));
        cmd.Subcommands.Add(List(console));
        return cmd;
    }

    private static Option<string> DbOption() =>
        new("--db") { Description = "SQLite file or PostgreSQL connection of the service", Required = true };

    private static Command Add(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Curator name (letters, digits, '.', '_', '-')" };
        var db = DbOption();
        var stdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input (scripts)" };
        var cmd = new Command("add", "Add a curator (prompts for the password)") { name, db, stdin };
        cmd.SetAction(r =>
        {
            string user = r.GetValue(name)!.Trim();
            if (CuratorPasswords.CheckName(user) is { } badName) throw new UsageException(badName);
            string password = ReadPassword(console, r.GetValue(stdin));
            if (CuratorPasswords.CheckPassword(password) is { } badPassword) throw new UsageException(badPassword);
            var store = new CuratorStore(Open(r.GetValue(db)!));
            if (!store.TryAddAsync(user, CuratorPasswords.Hash(user, password)).GetAwaiter().GetResult())
                throw new UsageException($"curator '{user}' exists already; pick another name");
            console.Out.WriteLine($"curator {user} added");
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command Token(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "Curator the token acts for" };
        var db = DbOption();
        var cmd = new Command("token", "Create an API token for scripts (send it as 'Authorization: Bearer TOKEN'); printed once") { name, db };
        cmd.SetAction(r =>
        {
            string user = r.GetValue(name)!.Trim();
            var store = new CuratorStore(Open(r.GetValue(db)!));
            if (store.GetAsync(user).GetAwaiter().GetResult() is null)
                throw new UsageException($"curator '{user}' does not exist; add it with 'acqseg users add {user} --db ...'");
            var (token, sha) = CuratorPasswords.NewToken();
            store.AddTokenAsync(user, sha).GetAwaiter().GetResult();
            console.Out.WriteLine(token);
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Command List(CliConsole console)
    {
        var db = DbOption();
        var cmd = new Command("list", "List curators") { db };
        cmd.SetAction(r =>
        {
            foreach (var c in new CuratorStore(Open(r.GetValue(db)!)).ListAsync().GetAwaiter().GetResult())
                console.Out.WriteLine($"{c.Name}\t{c.CreatedAt}");
            return CliApp.Ok;
        });
        return cmd;
    }

    private static Database Open(string connection)
    {
        var database = new Database(new DatabaseOptions { ConnectionString = connection });
        new SchemaMigrator(database, NullLogger<SchemaMigrator>.Instance).MigrateAsync().GetAwaiter().GetResult();
        return database;
    }

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
