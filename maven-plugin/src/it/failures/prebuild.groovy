// A 3-layer GPT-2 model with random weights and a word-level tokenizer (no real weights are needed).
import dev.logitlens.core.checkpoint.TensorDtype
import dev.logitlens.core.synth.RandomGpt2
import dev.logitlens.core.tokenizer.WordLevelTokenizerWriter

def words = ['The', 'capital', 'of', 'France', 'is', 'Paris', 'Germany', 'Berlin', 'a', 'cat', 'sat']
[alpha: 1L].each { name, seed ->
    def dir = basedir.toPath().resolve('models').resolve(name)
    RandomGpt2.write(dir, new RandomGpt2.Spec(3, 16, 2, 40, 32, TensorDtype.F32, '', true, 1, seed))
    WordLevelTokenizerWriter.write(dir, words, 40)
}
return true
