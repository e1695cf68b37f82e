using HyperSearch.Deploy.Tests.Support;
using Xunit.Sdk;

namespace HyperSearch.Deploy.Tests;

public sealed class ToolTests
{
    [Fact]
    public void A_missing_tool_fails_the_test_with_a_clear_message()
    {
        var failure = Assert.Throws<FailException>(() => Tool.Require("hypersearch-no-such-tool"));
        Assert.Contains("required tool 'hypersearch-no-such-tool' was not found on PATH", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kubectl")]
    [InlineData("node")]
    [InlineData("promtool")]
    [InlineData("prometheus")]
    public void Required_tools_are_installed(string tool) => Assert.NotNull(Tool.Require(tool));
}
