package dev.logitlens.core.lens;

import dev.logitlens.core.UserInputException;

/** A request the collector cannot honour (empty prompt, bad k, layer out of range); the message says why. */
public class LensException extends UserInputException {
    public LensException(String message) {
        super(message);
    }
}
