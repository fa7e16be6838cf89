using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AcqSeg.Imaging.Io;
using AcqSeg.ReviewHost.Apis;

namespace AcqSeg.Cli.Hitl;

/// <summary>A call of the review API that did not answer as a curator needs; the message has the status and the body.</summary>
public sealed class ReviewApiException(string message, int status = 0) : Exception(message)
{
    /// <summary>The HTTP status the API answered with.</summary>
    public int Status { get; } = status;
}

/// <summary>
/// The review API as a script acting for a curator calls it: a bearer token (`acqseg users token`) and the same calls
/// the editor makes (list frames, send to review, claim, read the model's masks, post the corrected labels), plus the
/// models and training-run views.
/// </summary>
public sealed class CuratorClient : IDisposable
{
    private readonly HttpClient _http;

    public CuratorClient(Uri baseAddress, string token)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Waits until /health answers 200 (the service is up), or throws naming what it last saw.</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, Func<string?> whyNot, CancellationToken cancel)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            if (whyNot() is { } exited) throw new ReviewApiException($"the service exited before it was healthy: {exited}");
            try
            {
                using var r = await _http.GetAsync("/health", cancel);
                if (r.StatusCode == HttpStatusCode.OK) return;
                last = $"{(int)r.StatusCode}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            await Task.Delay(500, cancel);
        }
        throw new ReviewApiException($"the service at {_http.BaseAddress} was not healthy after {timeout.TotalSeconds:0} s ({last})");
    }

    public async Task<IReadOnlyList<RecentFrameDto>> FramesAsync(string? acquisition, CancellationToken cancel)
    {
        string query = acquisition is null ? "/api/frames?limit=1000" : $"/api/frames?limit=1000&acquisition={Uri.EscapeDataString(acquisition)}";
        var list = await GetAsync<RecentFramesDto>(query, cancel);
        return list.Frames;
    }

    public Task<SentToReviewDto> SendToReviewAsync(Guid frame, CancellationToken cancel) =>
        PostJsonAsync<SentToReviewDto>($"/api/frames/{frame}/send-to-review", cancel);

    public Task<ClaimDto> ClaimAsync(Guid frame, CancellationToken cancel) =>
        PostJsonAsync<ClaimDto>($"/api/frames/{frame}/claim", cancel);

    /// <summary>The model's masks of a frame, as the editor loads them.</summary>
    public async Task<LabelImage> MasksAsync(Guid frame, CancellationToken cancel)
    {
        using var r = await _http.GetAsync($"/api/frames/{frame}/masks.tif", cancel);
        await EnsureAsync(r, $"GET masks of frame {frame}", cancel);
        string temp = Path.Combine(Path.GetTempPath(), $"acqseg-curator-{Guid.NewGuid():N}.tif");
        try
        {
            await File.WriteAllBytesAsync(temp, await r.Content.ReadAsByteArrayAsync(cancel), cancel);
            return TiffReader.ReadLabels(temp);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Posts corrected labels as a label TIFF, as the editor's save does.</summary>
    public async Task<CorrectionAccepted> SubmitCorrectionAsync(Guid frame, LabelImage labels, CancellationToken cancel)
    {
        string temp = Path.Combine(Path.GetTempPath(), $"acqseg-correction-{Guid.NewGuid():N}.tif");
        byte[] body;
        try
        {
            TiffWriter.WriteLabels(temp, labels);
            body = await File.ReadAllBytesAsync(temp, cancel);
        }
        finally
        {
            File.Delete(temp);
        }
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/tiff");
        using var r = await _http.PostAsync($"/api/frames/{frame}/correction", content, cancel);
        await EnsureAsync(r, $"POST correction of frame {frame}", cancel);
        return (await r.Content.ReadFromJsonAsync<CorrectionAccepted>(cancel))!;
    }

    public Task<List<LineageDto>> ModelsAsync(CancellationToken cancel) => GetAsync<List<LineageDto>>("/api/models", cancel);

    public Task<TrainingRunsDto> TrainingRunsAsync(string model, CancellationToken cancel) =>
        GetAsync<TrainingRunsDto>($"/api/models/{Uri.EscapeDataString(model)}/training-runs", cancel);

    private async Task<T> GetAsync<T>(string path, CancellationToken cancel)
    {
        using var r = await _http.GetAsync(path, cancel);
        await EnsureAsync(r, $"GET {path}", cancel);
        return (await r.Content.ReadFromJsonAsync<T>(cancel))!;
    }

    private async Task<T> PostJsonAsync<T>(string path, CancellationToken cancel)
    {
        using var r = await _http.PostAsync(path, JsonContent.Create(new { }), cancel);
        await EnsureAsync(r, $"POST {path}", cancel);
        return (await r.Content.ReadFromJsonAsync<T>(cancel))!;
    }

    private static async Task EnsureAsync(HttpResponseMessage r, string what, CancellationToken cancel)
    {
        if (r.IsSuccessStatusCode) return;
        string body = await r.Content.ReadAsStringAsync(cancel);
        throw new ReviewApiException($"{what}: {(int)r.StatusCode} {r.ReasonPhrase}: {(body.Length > 400 ? body[..400] : body)}", (int)r.StatusCode);
    }
}
