package dev.logitlens.core.gallery;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/** "Did you mean" suggestions for misspelt keys, ids and values. */
public final class DidYouMean {

    private static final int MAX_DISTANCE = 2;

    private DidYouMean() {
    }

    /**
     * The candidate closest to {@code input}, or empty when none is close. In order of preference: a candidate one
     * edit away; one that is a prefix of the input or that the input abbreviates ({@code rev} for
     * {@code revision}); one two edits away. Edits must be fewer than the candidate's length, so one-letter keys are
     * not offered for anything. Case is ignored; ties go to the smaller distance, then the earlier candidate.
     */
    public static Optional<String> closest(String input, Collection<String> candidates) {
        String in = input.toLowerCase(Locale.ROOT);
        String best = null;
        int bestRank = Integer.MAX_VALUE;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates) {
            String c = candidate.toLowerCase(Locale.ROOT);
            int d = levenshtein(in, c);
            boolean near = d < c.length();
            boolean prefix = !in.isEmpty() && (c.startsWith(in) || in.startsWith(c));
            int rank = near && d <= 1 ? 0 : prefix ? 1 : near && d <= MAX_DISTANCE ? 2 : -1;
            if (rank >= 0 && (rank < bestRank || (rank == bestRank && d < bestDistance))) {
                best = candidate;
                bestRank = rank;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * The fix part of a message: {@code Did you mean 'label'?} when there is a close candidate, otherwise
     * {@code <listIntro>: a, b, c.}
     */
    public static String hint(String input, Collection<String> candidates, String listIntro) {
        return closest(input, candidates)
                .map(s -> "Did you mean '" + s + "'?")
                .orElseGet(() -> listIntro + ": " + String.join(", ", candidates) + ".");
    }

    /** Classic edit distance (insertions, deletions, substitutions), two rows of memory. */
    static int levenshtein(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }
}
