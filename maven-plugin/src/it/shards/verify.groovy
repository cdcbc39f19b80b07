import groovy.json.JsonSlurper

import java.nio.file.Files
import java.nio.file.Path

def log = new File(basedir, 'build.log').text
def failed = { String message -> "on project standalone-pom: " + message }

// 1. The plan: gamma (3B) dominates and is split by prompts; each other model stays on one shard.
assert log.contains('Plan for 3 shards of 9 runs (cost = parameters × estimated prompt tokens):')
assert log.contains("model 'gamma': 3B parameters (parameters: in the gallery)")
assert log.contains("model 'alpha': 1B parameters (assumed; set parameters: on the model to plan better)")
assert log.contains('shard 1/3: 2 runs, 43% of the cost, 1 model load\n[INFO]     gamma: france, germany\n')
assert log.contains('shard 2/3: 4 runs, 37% of the cost, 2 model loads\n[INFO]     alpha: france, germany, cat\n'
        + '[INFO]     gamma: cat\n')
assert log.contains('shard 3/3: 3 runs, 20% of the cost, 1 model load\n[INFO]     beta: france, germany, cat\n')

// 2-4. Each shard computed only its runs, each model loaded once per shard.
assert log.contains('Shard 1/3: 2 of 9 runs') && log.contains('Shard 2/3: 4 of 9 runs') && log.contains('Shard 3/3: 3 of 9 runs')
assert log.count('Loaded gamma ') == 2 + 1 // shards 1 and 2, then the single-machine build
assert log.count('Loaded alpha ') == 1 + 1
def index = new JsonSlurper().parse(new File(basedir, 'shard-2/collected.json'))
assert index.shard == '2/3'
assert index.runs.collect { [it.model, it.prompt, it.status] } ==
        [['alpha', 'france', 'ok'], ['alpha', 'germany', 'ok'], ['alpha', 'cat', 'ok'], ['gamma', 'cat', 'ok']]
assert index.runs[0].inputs == [source: 'path:models/alpha', dtype: 'auto', k: 3, layers: 'all', answers: '',
                                prompt: 'The capital of France is']

// 5 and 6. The merged site equals the one-machine site byte for byte; the merge loaded nothing.
assert log.contains('Merged 9 of 9 runs from 3 directories')
Path merged = basedir.toPath().resolve('merged')
Path single = basedir.toPath().resolve('single')
def files = { Path root -> Files.walk(root).filter { Files.isRegularFile(it) }.collect { root.relativize(it).toString() }.sort() }
assert files(merged) == files(single)
assert files(merged).size() > 20
files(merged).each { name ->
    assert Arrays.equals(Files.readAllBytes(merged.resolve(name)), Files.readAllBytes(single.resolve(name))) : name
}
assert !new File(basedir, 'no-cache').exists()

// 7. A shard missing: its runs fail, naming the shard; the site is still written.
assert log.contains(failed("4 of 9 runs failed:\n[ERROR]   model 'alpha' × prompt 'france': not collected: shard 2/3"
        + " was to compute it, and none of the directories merged (shard-1, shard-3) holds it. That shard failed"
        + " before writing its directory, or its directory was not given.\n"))
assert log.contains("[ERROR]   model 'gamma' × prompt 'cat': not collected: shard 2/3 was to compute it")
def partial = new JsonSlurper().parse(new File(basedir, 'partial/manifest.json'))
assert partial.runs.count { it.status == 'ok' } == 5

// 8. Runs collected for another gallery are refused with each difference.
assert log.contains(failed("runs collected for a different gallery than changed.yaml:\n[ERROR]  "
        + " shard-1/collected.json: model 'gamma' × prompt 'france': k was '3' when collected and is '4' in the gallery\n"))
assert log.contains("[ERROR]   shard-2/collected.json: model 'gamma' × prompt 'cat': k was '3' when collected and is"
        + " '4' in the gallery; the prompt text was 'a cat sat on the cat' when collected and is 'a cat sat on a cat'"
        + " in the gallery\n")
assert log.contains("[ERROR] Collect again with this gallery, or merge with the gallery these runs were collected for.")
assert !new File(basedir, 'changed').exists()
return true
