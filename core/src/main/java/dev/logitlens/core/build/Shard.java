package dev.logitlens.core.build;

/**
 * One of {@code count} collect jobs, numbered from 1 as CI matrices and {@code JOB_COMPLETION_INDEX + 1} are.
 *
 * @param index 1..count
 * @param count the number of shards, at least 1
 */
public record Shard(int index, int count) {
    public Shard {
        if (count < 1 || index < 1 || index > count) {
            throw new IllegalArgumentException("shard " + index + "/" + count + " does not exist: write I/N with"
                    + " 1 <= I <= N, e.g. 2/3 for the second of three");
        }
    }

    /** {@code 2/3}. */
    public static Shard parse(String text) {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        try {
            if (slash > 0) {
                return new Shard(Integer.parseInt(t.substring(0, slash).strip()),
                        Integer.parseInt(t.substring(slash + 1).strip()));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + t + "' is not a shard: write I/N with 1 <= I <= N, e.g. 2/3 for"
                + " the second of three");
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
