package dev.logitlens.core.lens;

/** A request the collector cannot honour (empty prompt, bad k, layer out of range); the message says why. */
public class LensException extends RuntimeException {
    public LensException(String message) {
        super(message);
    }
}
