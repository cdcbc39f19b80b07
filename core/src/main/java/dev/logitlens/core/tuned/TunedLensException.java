package dev.logitlens.core.tuned;

/** A tuned lens that cannot be read or does not fit its model; the message names the folder, the file and why. */
public class TunedLensException extends RuntimeException {
    public TunedLensException(String message) {
        super(message);
    }

    public TunedLensException(String message, Throwable cause) {
        super(message, cause);
    }
}
