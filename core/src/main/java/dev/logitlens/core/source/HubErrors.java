package dev.logitlens.core.source;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;

/**
 * What went wrong talking to the hub, as a message naming the repo, the revision and the remedy (as jib's
 * registry error handling does); the token never appears in one.
 */
final class HubErrors {
    static final String TOKEN_HELP = "give a token: set HF_TOKEN, run `huggingface-cli login`, or add"
            + " <server><id>huggingface</id><password>hf_...</password></server> to ~/.m2/settings.xml.";

    private final HubOptions options;

    HubErrors(HubOptions options) {
        this.options = options;
    }

    /** The hub could not be reached at all (as opposed to answering with an error). */
    static final class Unreachable extends HubException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    HubException unreachable(String repo, String rev, IOException e) {
        String why = e instanceof HttpConnectTimeoutException ? "connection timed out"
                : e instanceof ConnectException ? "connection refused or host unknown"
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new Unreachable("Cannot reach the Hugging Face hub at " + options.endpoint() + " for " + repo
                + " (revision " + rev + "): " + redact(why) + ". Check the network and the proxy (settings.xml"
                + " <proxies>); to use what is cached only, run offline (Maven -o or HF_HUB_OFFLINE=1).", e);
    }

    HubException status(HttpResponse<?> r, String repo, String rev, String file) {
        return status(RepoType.MODEL, r, repo, rev, file);
    }

    HubException status(RepoType type, HttpResponse<?> r, String repo, String rev, String file) {
        int status = r.statusCode();
        String code = r.headers().firstValue("X-Error-Code").orElse("");
        String page = options.endpoint() + "/" + repo;
        String msg;
        if ("RepositoryNotFound".equals(code) || (status == 404 && file == null && !"RevisionNotFound".equals(code))) {
            msg = type.noun() + " " + repo + " (revision " + rev + ") was not found on " + options.endpoint() + " (HTTP "
                    + status + "): check the spelling of `repo:` and `revision:` in the gallery, e.g."
                    + " openai-community/gpt2. If the model is private, " + TOKEN_HELP;
        } else if (status == 401 || status == 403) {
            msg = "Access to " + repo + " was refused (HTTP " + status + "): the model is gated or private. ";
            if (options.token() == null) {
                msg += "Accept its licence on " + page + " and " + TOKEN_HELP;
            } else {
                msg += "The token from " + options.tokenSource() + " does not grant access: accept the licence on "
                        + page + " with that account, or " + TOKEN_HELP;
            }
        } else if (status == 404 && "RevisionNotFound".equals(code)) {
            msg = "Revision '" + rev + "' of " + repo + " was not found on " + options.endpoint()
                    + " (HTTP 404): check `revision:` in the gallery; it must be a branch, a tag or a full commit hash.";
        } else if (status == 404) {
            msg = "File " + file + " of " + repo + " (revision " + rev + ") was not found on " + options.endpoint()
                    + " (HTTP 404) although the repo lists it; run again, and report it to the repo's owners if it"
                    + " persists.";
        } else {
            msg = "The hub at " + options.endpoint() + " answered HTTP " + status + " for "
                    + (file == null ? "the listing" : file) + " of " + repo + " (revision " + rev + ")"
                    + r.headers().firstValue("X-Error-Message").map(m -> ": " + m).orElse("")
                    + ". Try again later" + (status == 407 ? "; HTTP 407 means the proxy in settings.xml wants"
                    + " credentials (<username>, <password>)" : "") + ".";
        }
        return new HubException(redact(msg));
    }

    /** Belt and braces: nothing the server echoes back may carry our token into a message. */
    String redact(String s) {
        return options.token() == null ? s : s.replace(options.token(), "hf_***");
    }
}
