using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HyperSearch.Ui.Tests;

/// <summary>Debian's headless Chromium driven over the DevTools protocol (one page, raw JSON over a WebSocket).
/// Console errors, uncaught exceptions and failed loads are collected in <see cref="Errors"/>.</summary>
internal sealed class Chromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private readonly Process _process;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly Channel _loads = new();
    private readonly CancellationTokenSource _stop = new();
    private int _nextId;
    private Task _reader = Task.CompletedTask;

    private Chromium(Process process, string profile)
    {
        _process = process;
        _profile = profile;
    }

    public IReadOnlyList<string> Errors => _errors.ToArray();

    public static async Task<Chromium> StartAsync()
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing (apt-get install chromium)");
        var profile = Directory.CreateTempSubdirectory("hs-chromium-").FullName;
        var psi = new ProcessStartInfo(Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--headless=new", "--remote-debugging-port=0", $"--user-data-dir={profile}", "--no-first-run",
                     "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--no-sandbox", "--disable-dev-shm-usage", "about:blank" })
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var browser = new Chromium(process, profile);
        // Chromium writes the port it bound to this file once it listens.
        var portFile = Path.Combine(profile, "DevToolsActivePort");
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(portFile) || File.ReadAllLines(portFile).Length < 2)
        {
            Assert.False(process.HasExited, $"chromium exited with {(process.HasExited ? process.ExitCode : 0)} before listening");
            Assert.True(DateTime.UtcNow < deadline, "chromium did not open its DevTools port within 60 s");
            await Task.Delay(100);
        }

        var port = File.ReadAllLines(portFile)[0];
        using var http = new HttpClient();
        // The port opens before the first tab is listed: ask until the about:blank page target shows up.
        JsonNode? page;
        while ((page = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray()
                   .FirstOrDefault(t => (string?)t!["type"] == "page")) is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "chromium listed no page target within 60 s");
            await Task.Delay(100);
        }

        await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), CancellationToken.None);
        browser._reader = Task.Run(browser.ReadAsync);
        await browser.SendAsync("Page.enable");
        await browser.SendAsync("Runtime.enable");
        await browser.SendAsync("Log.enable");
        return browser;
    }

    /// <summary>Sets the viewport (CSS pixels); <paramref name="mobile"/> also emulates a phone's touch screen.</summary>
    public Task ViewportAsync(int width, int height, bool mobile = false) =>
        SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = mobile });

    public async Task NavigateAsync(string url)
    {
        var loaded = _loads.Next();
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url });
        await loaded.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Evaluates a JavaScript expression in the page (promises awaited) and returns its JSON value.</summary>
    public async Task<JsonNode?> EvalAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result["exceptionDetails"] is { } exception)
        {
            throw new InvalidOperationException($"{expression} threw: {exception.ToJsonString()}");
        }

        return result["result"]?["value"];
    }

    public async Task<string> TextAsync(string selector) =>
        (string?)await EvalAsync($"document.querySelector({JsonSerializer.Serialize(selector)})?.innerText ?? ''") ?? "";

    /// <summary>Waits until <paramref name="condition"/> (a JavaScript expression) is true in the page.</summary>
    public async Task WaitForAsync(string condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if ((bool?)await EvalAsync($"!!({condition})") == true)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds:0} s waiting for {what} ({condition}); page: {await TextAsync("body")}");
            await Task.Delay(200);
        }
    }

    /// <summary>A real mouse click (pressed and released) at the middle of the element, scrolled into view first.</summary>
    public async Task ClickAsync(string selector)
    {
        var box = await EvalAsync($$"""
            (() => { const e = document.querySelector({{JsonSerializer.Serialize(selector)}}); if (!e) return null;
                     e.scrollIntoView({ block: 'center' }); const r = e.getBoundingClientRect();
                     return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()
            """);
        Assert.True(box is not null, $"no element {selector} to click");
        foreach (var type in new[] { "mouseMoved", "mousePressed", "mouseReleased" })
        {
            await SendAsync("Input.dispatchMouseEvent", new JsonObject
            {
                ["type"] = type,
                ["x"] = (double)box!["x"]!,
                ["y"] = (double)box["y"]!,
                ["button"] = "left",
                ["clickCount"] = 1,
            });
        }
    }

    /// <summary>A real key press (keyDown and keyUp), e.g. Tab or Enter.</summary>
    public async Task PressAsync(string key, int code)
    {
        await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = "rawKeyDown", ["key"] = key, ["code"] = key, ["windowsVirtualKeyCode"] = code });
        if (key == "Enter")
        {
            await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = "char", ["text"] = "\r", ["key"] = key });
        }

        await SendAsync("Input.dispatchKeyEvent", new JsonObject { ["type"] = "keyUp", ["key"] = key, ["code"] = key, ["windowsVirtualKeyCode"] = code });
    }

    /// <summary>Types text into the focused element, as an input method would.</summary>
    public Task TypeAsync(string text) => SendAsync("Input.insertText", new JsonObject { ["text"] = text });

    /// <summary>A full-page PNG into the test output directory (screenshots/NAME.png).</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var shot = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png", ["captureBeyondViewport"] = true });
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"{name}.png");
        await File.WriteAllBytesAsync(path, Convert.FromBase64String((string)shot["data"]!));
        return path;
    }

    public async Task<JsonObject> SendAsync(string method, JsonObject? parameters = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new JsonObject() };
        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
        var response = await answer.Task.WaitAsync(TimeSpan.FromSeconds(60));
        if (response["error"] is { } error)
        {
            throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}");
        }

        return response["result"]?.AsObject() ?? new JsonObject();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                var part = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (part.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                message.Write(buffer, 0, part.Count);
                if (!part.EndOfMessage)
                {
                    continue;
                }

                var node = JsonNode.Parse(message.ToArray())!.AsObject();
                message.SetLength(0);
                if (node["id"] is { } id && _pending.TryRemove((int)id, out var waiter))
                {
                    waiter.TrySetResult(node);
                }
                else
                {
                    OnEvent((string?)node["method"], node["params"]);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // Closed by DisposeAsync, or the browser went away.
        }
    }

    private void OnEvent(string? method, JsonNode? parameters)
    {
        switch (method)
        {
            case "Page.loadEventFired":
                _loads.Fire();
                break;
            case "Runtime.exceptionThrown":
                _errors.Enqueue($"exception: {parameters?["exceptionDetails"]?.ToJsonString()}");
                break;
            case "Runtime.consoleAPICalled" when ((string?)parameters?["type"]) is "error" or "assert":
                _errors.Enqueue($"console.error: {parameters?["args"]?.ToJsonString()}");
                break;
            case "Log.entryAdded" when ((string?)parameters?["entry"]?["level"]) == "error":
                _errors.Enqueue($"log: {parameters?["entry"]?["text"]} {parameters?["entry"]?["url"]}");
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Abort();
        await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _stop.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium's last writes can race the delete; a temp folder left behind is harmless.
        }
    }

    /// <summary>Load events: Next() before navigating returns a task the next load completes.</summary>
    private sealed class Channel
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Next()
        {
            var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _next, next);
            return next.Task;
        }

        public void Fire() => Volatile.Read(ref _next).TrySetResult();
    }
}
