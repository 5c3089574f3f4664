using System.Diagnostics;
using System.Text;

namespace Terway.Sandbox.Tests.KubeApi;

/// <summary>The emulator driven by the real kubectl binary, with the kubeconfig the emulator writes.</summary>
[TestFixture]
public sealed class KubectlTests : EmulatorFixture
{
    private string _dir = "";
    private string _kubeconfig = "";

    [OneTimeSetUp]
    public void WriteConfig()
    {
        if (FindKubectl() == null)
        {
            Assert.Ignore("kubectl is not installed on this machine");
        }

        _dir = Path.Combine(Path.GetTempPath(), "kubeapi-kubectl-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
        _kubeconfig = Path.Combine(_dir, "config");
        Emulator.WriteKubeconfig(_kubeconfig);
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (_dir.Length > 0 && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static string? FindKubectl() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(p => Path.Combine(p, "kubectl")).FirstOrDefault(File.Exists);

    private async Task<(int Exit, string Out, string Err)> Kubectl(params string[] args)
    {
        var psi = new ProcessStartInfo(FindKubectl()!) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_kubeconfig);
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(Path.Combine(_dir, "cache"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    private string WriteFile(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Test]
    public async Task ApplyGetDescribeDelete_Pod()
    {
        var ns = await NewNamespaceAsync("kctl");
        var file = WriteFile("pod.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: web
              namespace: {ns}
              labels: {"{"}app: web{"}"}
            spec:
              containers:
              - name: nginx
                image: nginx:1.25
                ports:
                - containerPort: 80
            """);
        var apply = await Kubectl("apply", "-f", file);
        Assert.That(apply.Exit, Is.EqualTo(0), apply.Err);
        Assert.That(apply.Out, Does.Contain("pod/web created"));
        var again = await Kubectl("apply", "-f", file.Replace("x", "x", StringComparison.Ordinal));
        Assert.That(again.Out, Does.Contain("pod/web unchanged"), again.Err);
        File.WriteAllText(file, File.ReadAllText(file).Replace("nginx:1.25", "nginx:1.26", StringComparison.Ordinal));
        var update = await Kubectl("apply", "-f", file);
        Assert.That(update.Out, Does.Contain("pod/web configured"), update.Err);

        var get = await Kubectl("get", "pods", "-n", ns);
        Assert.That(get.Out, Does.Match("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE"));
        Assert.That(get.Out, Does.Match("web\\s+0/1\\s+Pending\\s+0"));
        var wide = await Kubectl("get", "pods", "-n", ns, "-o", "wide");
        Assert.That(wide.Out, Does.Contain("NOMINATED NODE"));
        var yaml = await Kubectl("get", "pod", "web", "-n", ns, "-o", "yaml");
        Assert.That(yaml.Out, Does.Contain("image: nginx:1.26"));
        Assert.That(yaml.Out, Does.Contain("resourceVersion:"));
        var describe = await Kubectl("describe", "pod", "web", "-n", ns);
        Assert.That(describe.Exit, Is.EqualTo(0), describe.Err);
        Assert.That(describe.Out, Does.Contain("Image:        nginx:1.26"));
        var del = await Kubectl("delete", "pod", "web", "-n", ns);
        Assert.That(del.Out, Does.Contain("pod \"web\" deleted"), del.Err);
        var gone = await Kubectl("get", "pod", "web", "-n", ns);
        Assert.That(gone.Err, Does.Contain("Error from server (NotFound): pods \"web\" not found"));
    }

    [Test]
    public async Task Apply_Crd_ThenCustomResource_GetTableAndExplain()
    {
        var crd = WriteFile("crd.json", CrdTests.WidgetCrd.Replace("widgets", "kwidgets", StringComparison.Ordinal).Replace("\"widget\"", "\"kwidget\"", StringComparison.Ordinal)
            .Replace("\"Widget\"", "\"KWidget\"", StringComparison.Ordinal).Replace("[\"wd\"]", "[\"kwd\"]", StringComparison.Ordinal));
        var apply = await Kubectl("apply", "-f", crd);
        Assert.That(apply.Exit, Is.EqualTo(0), apply.Err);
        var wait = await Kubectl("wait", "--for=condition=Established", "crd/kwidgets.test.terway.io", "--timeout=20s");
        Assert.That(wait.Exit, Is.EqualTo(0), wait.Err);
        var ns = await NewNamespaceAsync("kctl");
        var cr = WriteFile("cr.yaml", $"""
            apiVersion: test.terway.io/v1
            kind: KWidget
            metadata:
              name: w1
              namespace: {ns}
            spec:
              mode: Fixed
              size: 3
            """);
        var created = await Kubectl("apply", "-f", cr);
        Assert.That(created.Exit, Is.EqualTo(0), created.Err);
        var get = await Kubectl("get", "kwd", "-n", ns);
        Assert.That(get.Out, Does.Match("NAME\\s+MODE\\s+READY\\s+AGE"));
        Assert.That(get.Out, Does.Match("w1\\s+Fixed\\s+[0-9]+s"));
        var wide = await Kubectl("get", "kwidgets", "-n", ns, "-o", "wide");
        Assert.That(wide.Out, Does.Contain("SIZE"));

        var bad = WriteFile("bad.yaml", cr.Length > 0 ? File.ReadAllText(cr).Replace("mode: Fixed", "mode: Wrong", StringComparison.Ordinal).Replace("w1", "w2", StringComparison.Ordinal) : "");
        var rejected = await Kubectl("apply", "-f", bad);
        Assert.That(rejected.Exit, Is.Not.EqualTo(0));
        Assert.That(rejected.Err, Does.Contain("spec.mode: Unsupported value: \"Wrong\""));

        var typo = WriteFile("typo.yaml", File.ReadAllText(cr).Replace("size: 3", "sise: 3", StringComparison.Ordinal));
        var strict = await Kubectl("apply", "-f", typo);
        Assert.That(strict.Exit, Is.Not.EqualTo(0), "kubectl validates strictly by default");
        Assert.That(strict.Err, Does.Contain("unknown field \"spec.sise\""));

        var explain = await Kubectl("explain", "kwidgets.spec");
        Assert.That(explain.Exit, Is.EqualTo(0), explain.Err);
        Assert.That(explain.Out, Does.Contain("mode"));
        Assert.That(explain.Out, Does.Contain("-required-"));
    }

    [Test]
    public async Task GetWatch_PrintsLinesAsObjectsChange()
    {
        var ns = await NewNamespaceAsync("kctl");
        await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"first"},"data":{"a":"1"}}""");
        var psi = new ProcessStartInfo(FindKubectl()!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--kubeconfig", _kubeconfig, "--cache-dir", Path.Combine(_dir, "cache"), "get", "configmaps", "-n", ns, "-w" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        try
        {
            var lines = new List<string>();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var header = await p.StandardOutput.ReadLineAsync(cts.Token);
            lines.Add(header ?? "");
            lines.Add(await p.StandardOutput.ReadLineAsync(cts.Token) ?? "");
            await PostAsync($"/api/v1/namespaces/{ns}/configmaps", """{"metadata":{"name":"second"}}""");
            lines.Add(await p.StandardOutput.ReadLineAsync(cts.Token) ?? "");
            Assert.That(lines[0], Does.Match("NAME\\s+DATA\\s+AGE"));
            Assert.That(lines[1], Does.StartWith("first"));
            Assert.That(lines[2], Does.StartWith("second"));
        }
        finally
        {
            p.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public async Task AuthCanI_ReflectsRbac()
    {
        var yes = await Kubectl("auth", "can-i", "create", "pods");
        Assert.That(yes.Out.Trim(), Is.EqualTo("yes"));
        var ns = await NewNamespaceAsync("kctl");
        await PostAsync($"/api/v1/namespaces/{ns}/serviceaccounts", """{"metadata":{"name":"agent"}}""");
        await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles", """{"metadata":{"name":"r"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]}""");
        await PostAsync($"/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings", $$$"""{"metadata":{"name":"rb"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"r"},"subjects":[{"kind":"ServiceAccount","name":"agent","namespace":"{{{ns}}}"}]}""");
        var sa = $"system:serviceaccount:{ns}:agent";
        Assert.That((await Kubectl("auth", "can-i", "list", "pods", "-n", ns, "--as", sa)).Out.Trim(), Is.EqualTo("yes"));
        Assert.That((await Kubectl("auth", "can-i", "delete", "pods", "-n", ns, "--as", sa)).Out.Trim(), Is.EqualTo("no"));
        var token = Emulator.IssueServiceAccountToken(ns, "agent");
        var direct = await Kubectl("--token", token, "get", "pods", "-n", "default");
        Assert.That(direct.Err, Does.Contain($"pods is forbidden: User \"{sa}\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""));
    }
    [Test]
    public async Task CreateNamespace_ProtobufBody_CreatedWithItsName()
    {
        // kubectl's typed "create namespace" sends a protobuf body, unlike apply/create -f (JSON).
        var name = "kctl-proto-" + Guid.NewGuid().ToString("N")[..6];
        var create = await Kubectl("create", "namespace", name);
        Assert.That(create.Exit, Is.Zero, create.Err);
        Assert.That(create.Out, Does.Contain($"namespace/{name} created"));

        var get = await GetAsync($"/api/v1/namespaces/{name}");
        Assert.That(get.Status, Is.EqualTo(System.Net.HttpStatusCode.OK), get.Text);
        Assert.That(get.Text, Does.Contain("\"phase\":\"Active\""));

        var again = await Kubectl("create", "namespace", name);
        Assert.That(again.Exit, Is.Not.Zero);
        Assert.That(again.Err, Does.Contain("AlreadyExists").Or.Contain("already exists"));
    }
}
