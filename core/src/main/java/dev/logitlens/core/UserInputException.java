package dev.logitlens.core;

/**
 * Something the user gave cannot be used: a gallery file, a model directory or checkpoint, a hub
 * repository, a lens request, a device, a collected or imported run file. The message names the thing
 * and the fix; callers show it as it is (the Maven plugin turns it into a build failure, not a crash).
 * Every other exception is a fault of the tool or the machine.
 */
public class UserInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
