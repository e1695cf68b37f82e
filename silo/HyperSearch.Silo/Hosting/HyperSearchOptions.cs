namespace HyperSearch.Silo.Hosting;

/// <summary>The silo's own settings (configuration section "HyperSearch"; env HyperSearch__Key; --HyperSearch:Key=value).</summary>
public sealed class HyperSearchOptions
{
    public const string Section = "HyperSearch";

    /// <summary>"localhost" (embedded, no services) or "redis".</summary>
    public string Clustering { get; set; } = "localhost";

    public string ServiceId { get; set; } = "hypersearch";

    public string ClusterId { get; set; } = "dev";

    public int SiloPort { get; set; } = 11111;

    public int GatewayPort { get; set; } = 30000;

    /// <summary>With redis clustering, the address other silos and clients use to reach this one (default: the
    /// first non-loopback interface; in Kubernetes the pod IP).</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>With localhost clustering, the first silo's endpoint port (a second local silo joins it).</summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>Checkpoints of every trial; in a cluster a volume all training silos share.</summary>
    public string CheckpointDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "hypersearch", "checkpoints");

    /// <summary>With localhost clustering, a folder for the grain state (searches, registry) so it outlives the process
    /// (the embedded `run` keeps it in its run directory); null keeps it in memory.</summary>
    public string? StateDirectory { get; set; }

    /// <summary>Where datasets without an explicit path are looked up (a folder per dataset name).</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Orleans Kubernetes hosting (with redis clustering); default: on when running in a pod.</summary>
    public bool? Kubernetes { get; set; }

    public TrainingOptions Training { get; set; } = new();

    public RedisOptions Redis { get; set; } = new();

    /// <summary>Optional TLS for silo-to-silo and client-to-gateway traffic.</summary>
    public TlsFileOptions Tls { get; set; } = new();

    public SecurityOptions Security { get; set; } = new();

    /// <summary>Command trials run only allow-listed programs in a cluster (redis clustering); the embedded silo of
    /// <c>hypersearch run</c> (localhost clustering) runs on the user's own machine and keeps them on.</summary>
    public bool CommandTrialsRestricted => !string.Equals(Clustering, "localhost", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What the cluster admits (section HyperSearch:Security). Only the silo's own configuration sets these;
/// nothing in a spec does.</summary>
public sealed class SecurityOptions
{
    public const string Section = "HyperSearch:Security";

    /// <summary>Absolute paths of the programs command trials may run in cluster mode; empty (the default): none.</summary>
    public List<string> CommandAllowList { get; set; } = [];

    /// <summary>The largest spec (its JSON encoding, bytes) the coordinator accepts.</summary>
    public int MaxSpecBytes { get; set; } = 64 * 1024;
}

public sealed class TrainingOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Concurrent trials; default: one per visible GPU × <see cref="TrialsPerGpu"/>, or one on CPU.</summary>
    public int? Slots { get; set; }

    /// <summary>Trials that share one GPU (several small models per device); default 1.</summary>
    public int TrialsPerGpu { get; set; } = 1;

    /// <summary>auto (CUDA when present), cpu, cuda (every visible GPU) or cuda:N (that one only).</summary>
    public string Device { get; set; } = "auto";

    /// <summary>Torch intra-op threads for the whole silo, split evenly between its slots; default: every core.</summary>
    public int? Threads { get; set; }

    /// <summary>How long an epoch report waits for others of this silo to join it in one call to the coordinator;
    /// default 20 ms (see <see cref="HyperSearch.Grains.Slots.TrainingSlotOptions.EpochReportLinger"/>).</summary>
    public TimeSpan? EpochReportLinger { get; set; }
}

public sealed class RedisOptions
{
    /// <summary>host:port[,options] without the password.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A file holding the password (a mounted secret); REDIS_PASSWORD is read when this is unset.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Redis database number for membership, grain state and reminders (default 0).</summary>
    public int? Database { get; set; }
}

/// <summary>TLS from certificate files (PEM): every node presents a certificate issued by the same CA and accepts
/// only peers whose certificate chains to that CA (mutual TLS).</summary>
public sealed class TlsFileOptions
{
    /// <summary>This node's certificate (PEM, may hold the key too) or a PKCS#12 file (.pfx/.p12).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The private key (PEM) when <see cref="CertificateFile"/> holds only the certificate.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The CA certificate(s) (PEM) that peers' certificates must chain to.</summary>
    public string? CaFile { get; set; }

    /// <summary>Password of a PKCS#12 file, read from this file (HYPERSEARCH_TLS_PASSWORD when unset).</summary>
    public string? PasswordFile { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificateFile);
}
