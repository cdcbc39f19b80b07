package dev.logitlens.core.source;

import dev.logitlens.core.UserInputException;

/**
 * A model could not be resolved from the Hugging Face cache or hub. The message names the repo, the
 * revision and what to do about it, and never contains the token.
 */
public class HubException extends UserInputException {

    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
