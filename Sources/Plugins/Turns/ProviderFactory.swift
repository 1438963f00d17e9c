import AsyncHTTPClient
import Foundation
import Logging
import Runtime
import ServiceLifecycle

/// Builds the judge, commentator and speech plugins.conf names. AI providers are wrapped with a
/// timeout and the built-in provider as fallback, so a slow or failing service never stalls a
/// battle; one whose key is missing from the environment is replaced by the built-in one at
/// start-up, with a warning.
enum ProviderFactory {
    static func make(
        _ options: TurnsOptions, clock: (any RuntimeClock)? = nil, logger: Logger, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> (TurnsProviders, HTTPClientService?) {
        let timeout = Duration.fractionalSeconds(options.providerTimeoutSeconds)
        let needsHTTP = options.judge == .anthropic || options.commentator == .anthropic || options.speech == .deepgram
        let http = needsHTTP ? HTTPClient(eventLoopGroupProvider: .singleton) : nil

        func anthropic() -> AnthropicClient? {
            guard let http, let key = environment[options.anthropicAPIKeyEnv], !key.isEmpty else {
                logger.warning("\(options.anthropicAPIKeyEnv) is not set: using the built-in judge and commentator")
                return nil
            }
            return AnthropicClient(httpClient: http, baseURL: options.anthropicBaseURL, apiKey: key, model: options.anthropicModel, timeout: timeout)
        }

        var judge: any Judge = HeuristicJudge()
        var commentator: any Commentator = TemplateCommentator()
        if options.judge == .anthropic, let client = anthropic() {
            judge = FallbackJudge(primary: AnthropicJudge(client: client), fallback: HeuristicJudge(), timeout: timeout, clock: clock, logger: logger)
        }
        if options.commentator == .anthropic, let client = anthropic() {
            commentator = FallbackCommentator(
                primary: AnthropicCommentator(client: client), fallback: TemplateCommentator(), timeout: timeout, clock: clock, logger: logger)
        }

        var speech: (any SpeechSynthesizer)?
        switch options.speech {
        case .none:
            break
        case .espeak:
            let path = options.espeakPath.isEmpty ? nil : options.espeakPath
            let available = path.map { FileManager.default.isExecutableFile(atPath: $0) } ?? EspeakSynthesizer.isAvailable
            if available {
                speech = EspeakSynthesizer(executablePath: path, timeout: timeout)
            } else {
                logger.warning("espeak-ng is not installed: turns will have no audio")
            }
        case .deepgram:
            if let http, let key = environment[options.deepgramAPIKeyEnv], !key.isEmpty {
                speech = DeepgramSynthesizer(
                    httpClient: http, baseURL: options.deepgramBaseURL, apiKey: key, model: options.deepgramModel, timeout: timeout)
            } else {
                logger.warning("\(options.deepgramAPIKeyEnv) is not set: turns will have no audio")
            }
        }
        let providers = TurnsProviders(
            judge: judge, commentator: commentator, speech: speech,
            audio: speech == nil ? nil : AudioStorage(directory: options.audioDir)
        )
        return (providers, http.map(HTTPClientService.init))
    }
}

/// Shuts the providers' HTTP client down with the server.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        try await client.shutdown()
    }
}
