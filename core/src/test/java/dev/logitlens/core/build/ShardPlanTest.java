package dev.logitlens.core.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.logitlens.core.gallery.Gallery;
import dev.logitlens.core.gallery.GalleryException;
import dev.logitlens.core.gallery.GalleryParser;
import dev.logitlens.core.gallery.ParameterCount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardPlanTest {
    @TempDir
    Path tmp;

    private Gallery gallery(String models, int prompts) throws IOException {
        StringBuilder y = new StringBuilder("models:\n").append(models).append("prompts:\n");
        for (int p = 0; p < prompts; p++) {
            y.append("  - {id: p").append(p).append(", text: prompt number ").append(p).append(" here}\n");
        }
        Path file = tmp.resolve("g.yaml");
        Files.writeString(file, y.toString());
        return GalleryParser.parse(file);
    }

    @Test
    void modelsOfEqualCostGetAShardEachAndLoadOnce() throws IOException {
        Gallery g = gallery("  - {id: a, path: a}\n  - {id: b, path: b}\n  - {id: c, path: c}\n", 4);
        ShardPlan plan = ShardPlan.of(g, 3);
        assertEquals(List.of(1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3), plan.shardOf());
        assertEquals(plan, ShardPlan.of(g, 3), "the same gallery gives the same plan");
        assertEquals(List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), ShardPlan.of(g, 1).shardOf());
    }

    @Test
    void aDominantModelIsSplitByPromptsAndTheRestBalanced() throws IOException {
        // 70B × 10 prompts against four 1B models: 70 / 74 of the cost.
        Gallery g = gallery("  - {id: big, repo: meta-llama/Llama-3.1-70B}\n"
                + "  - {id: a, path: a}\n  - {id: b, path: b}\n  - {id: c, path: c}\n  - {id: d, path: d}\n", 10);
        ShardPlan plan = ShardPlan.of(g, 4);
        assertEquals(70_000_000_000L, plan.models().get("big").parameters());
        assertEquals("from its name", plan.models().get("big").basis());
        List<Integer> big = plan.shardOf().subList(0, 10);
        // consecutive prompts, every shard gets a piece of the big model
        assertEquals(List.of(1, 1, 1, 2, 2, 2, 3, 3, 4, 4).stream().sorted().toList(), big.stream().sorted().toList());
        for (int i = 1; i < 10; i++) {
            assertTrue(big.get(i).equals(big.get(i - 1)) || !big.subList(0, i).contains(big.get(i)),
                    "the big model's pieces are consecutive prompts: " + big);
        }
        // each small model stays whole
        for (int m = 1; m <= 4; m++) {
            List<Integer> small = plan.shardOf().subList(m * 10, m * 10 + 10);
            assertEquals(1, small.stream().distinct().count(), "model " + m + ": " + small);
        }
        double total = plan.cost().stream().mapToDouble(Double::doubleValue).sum();
        for (int s = 1; s <= 4; s++) {
            double load = plan.runsOf(s).stream().mapToDouble(plan.cost()::get).sum();
            assertTrue(load <= total / 4 * 4 / 3, "shard " + s + " carries " + load / total + " of the cost");
        }
    }

    @Test
    void moreShardsThanWorkLeavesSomeEmpty() throws IOException {
        Gallery g = gallery("  - {id: a, path: a}\n", 1);
        ShardPlan plan = ShardPlan.of(g, 3);
        assertEquals(List.of(1), plan.shardOf());
        assertEquals(List.of(), plan.runsOf(3));
        assertTrue(plan.describe(g).contains("  shard 3/3: 0 runs, 0% of the cost, 0 model loads"),
                plan.describe(g).toString());
    }

    @Test
    void parameterCountsAsWrittenAndInNames() {
        assertEquals(7_000_000_000L, ParameterCount.parse("7B"));
        assertEquals(500_000_000L, ParameterCount.parse("0.5b"));
        assertEquals(160_000_000L, ParameterCount.parse("160M"));
        assertEquals(1_200_000_000L, ParameterCount.parse("1.2e9"));
        assertEquals(124_000_000L, ParameterCount.parse("124000000"));
        assertEquals(null, ParameterCount.parse("large"));
        assertEquals(Optional.of(1_000_000_000L), ParameterCount.fromName("meta-llama/Llama-3.2-1B"));
        assertEquals(Optional.of(500_000_000L), ParameterCount.fromName("Qwen/Qwen2.5-0.5B"));
        assertEquals(Optional.of(160_000_000L), ParameterCount.fromName("EleutherAI/pythia-160m"));
        assertEquals(Optional.empty(), ParameterCount.fromName("openai-community/gpt2"));
    }

    @Test
    void aBadParameterCountIsLocated() throws IOException {
        Path file = tmp.resolve("g.yaml");
        Files.writeString(file, "models:\n  - {id: a, path: a, parameters: huge}\nprompts:\n  - {id: p, text: hi}\n");
        GalleryException e = assertThrows(GalleryException.class, () -> GalleryParser.parse(file));
        assertEquals(file + ":2:34: parameters 'huge' in model 'a' is not a parameter count. Write it as e.g. 7B,"
                + " 0.5B, 160M or 124000000.", e.getMessage());
    }

    @Test
    void shardsAreWrittenIOverN() {
        assertEquals(new Shard(2, 3), Shard.parse("2/3"));
        List<String> errors = new ArrayList<>();
        for (String bad : List.of("0/3", "4/3", "3", "a/b", "")) {
            errors.add(assertThrows(IllegalArgumentException.class, () -> Shard.parse(bad)).getMessage());
        }
        assertEquals("shard 4/3 does not exist: write I/N with 1 <= I <= N, e.g. 2/3 for the second of three",
                errors.get(1));
        assertEquals("'a/b' is not a shard: write I/N with 1 <= I <= N, e.g. 2/3 for the second of three", errors.get(3));
    }
}
