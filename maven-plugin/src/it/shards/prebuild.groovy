// Three GPT-2 models with random weights and a word-level tokenizer (no real weights are needed).
import dev.logitlens.core.checkpoint.TensorDtype
import dev.logitlens.core.synth.RandomGpt2
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter

def words = ['The', 'capital', 'of', 'France', 'is', 'Paris', 'Germany', 'Berlin', 'a', 'cat', 'sat', 'on']
[alpha: [1L, 3], beta: [2L, 2], gamma: [3L, 4]].each { name, spec ->
    def dir = basedir.toPath().resolve('models').resolve(name)
    RandomGpt2.write(dir, new RandomGpt2.Spec(spec[1], 16, 2, 40, 32, TensorDtype.F32, '', true, 1, spec[0]))
    WordLevelTokenizerWriter.write(dir, words, 40)
}
return true
