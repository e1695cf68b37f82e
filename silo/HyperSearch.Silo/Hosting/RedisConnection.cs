using StackExchange.Redis;

namespace HyperSearch.Silo.Hosting;

/// <summary>Builds the Redis connection settings shared by clustering, grain storage, reminders and the CLI.
/// The password never comes from the connection string in configuration: it is read from a secret file or the
/// REDIS_PASSWORD environment variable, and <see cref="Describe"/> is the only form that may be logged.</summary>
public static class RedisConnection
{
    public const string PasswordVariable = "REDIS_PASSWORD";

    public static ConfigurationOptions Create(string connectionString, string? passwordFile = null, int? database = null)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException("Redis clustering needs HyperSearch:Redis:ConnectionString (host:port)");
        }

        var configuration = ConfigurationOptions.Parse(connectionString);
        if (ReadPassword(passwordFile) is { } password)
        {
            configuration.Password = password;
        }

        if (database is { } db)
        {
            configuration.DefaultDatabase = db;
        }

        // A silo that starts before Redis (or loses it for a while) keeps retrying instead of failing fast.
        configuration.AbortOnConnectFail = false;
        return configuration;
    }

    /// <summary>The password from a secret file (trailing newline dropped), else REDIS_PASSWORD, else none.</summary>
    public static string? ReadPassword(string? passwordFile)
    {
        if (!string.IsNullOrWhiteSpace(passwordFile))
        {
            if (!File.Exists(passwordFile))
            {
                throw new InvalidOperationException($"Redis password file '{passwordFile}' does not exist");
            }

            var fromFile = File.ReadAllText(passwordFile).TrimEnd('\r', '\n');
            return fromFile.Length == 0 ? null : fromFile;
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(PasswordVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? null : fromEnvironment;
    }

    /// <summary>The endpoints and options without the password: safe for logs and error messages.</summary>
    public static string Describe(ConfigurationOptions configuration) => configuration.ToString(includePassword: false);
}
