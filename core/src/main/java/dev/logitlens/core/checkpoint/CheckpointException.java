package dev.logitlens.core.checkpoint;

import dev.logitlens.core.UserInputException;

/** A model directory or weights file that cannot be used; the message names the file and the fix. */
public class CheckpointException extends UserInputException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
