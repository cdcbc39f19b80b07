package dev.logitlens.core.gallery;

import dev.logitlens.core.UserInputException;

import java.util.Objects;

/**
 * A problem in a gallery file. The message always reads {@code <file>:<line>:<col>: <problem>. <fix>} so that
 * editors and terminals can jump to the spot.
 */
public final class GalleryException extends UserInputException {

    private static final long serialVersionUID = 1L;

    private final transient Location location;
    private final String problem;

    /**
     * @param location where the problem is
     * @param problem what is wrong and how to fix it, e.g. {@code unknown key 'lables' in model 'llama'. Did you
     *     mean 'label'?}
     */
    public GalleryException(Location location, String problem) {
        super(Objects.requireNonNull(location, "location") + ": " + Objects.requireNonNull(problem, "problem"));
        this.location = location;
        this.problem = problem;
    }

    public Location location() {
        return location;
    }

    /** The message without the location prefix. */
    public String problem() {
        return problem;
    }
}
