import groovy.json.JsonSlurper

def log = new File(basedir, 'build.log').text
def failed = { String message -> "on project standalone-pom: " + message }

// 1. A model directory that does not exist: its runs fail, the build fails at the end with every failure.
def ghost = new File(basedir, 'models/ghost').canonicalPath
assert log.contains(failed("1 of 1 runs failed:\n[ERROR]   model 'ghost' × prompt 'one': missing-model.yaml:2:5: model"
        + " 'ghost': path models/ghost is not a directory (resolved to " + ghost + "). Point path at a Hugging Face"
        + " model directory holding config.json, model.safetensors and tokenizer.json, relative to the gallery file\n"))

// 2. Broken YAML.
assert log.contains(failed("bad-yaml.yaml:3:8: invalid YAML: expected ',' or '}', but got : (while parsing a flow"
        + " mapping at line 2, column 5). Fix the YAML syntax: indent with spaces, close brackets and quotes, and quote"
        + " text that contains ': ' or starts with a special character. -> [Help 1]"))

// 3. A misspelt key.
assert log.contains(failed("unknown-key.yaml:4:5: unknown key 'lable' in model 'alpha'. Did you mean 'label'?"
        + " -> [Help 1]"))

// 4. A prompt id used twice.
assert log.contains(failed("duplicate-prompt.yaml:5:11: duplicate prompt id 'one'; it is already used at"
        + " duplicate-prompt.yaml:4:11. Rename one of them. -> [Help 1]"))

// 5. layers: [99] on a 3-layer model: that run fails at its place in the file; the other run still succeeds.
assert log.contains(failed("1 of 2 runs failed:\n[ERROR]   model 'alpha' × prompt 'deep': deep-layer.yaml:8:13:"
        + " layers: [99] is out of range for a 3-layer model (valid: 0..2 or -3..-1) (model 'alpha', prompt 'deep')."
        + " Change layers so that it fits every model it applies to.\n"))

// Without a project the site goes to ./logitlens-site; failed runs are listed in the manifest with their message.
def manifest = new JsonSlurper().parse(new File(basedir, 'logitlens-site/manifest.json'))
assert manifest.runs.collect { [it.prompt, it.status] } == [['fine', 'ok'], ['deep', 'failed']]
assert manifest.runs[1].message.startsWith("model 'alpha' × prompt 'deep': deep-layer.yaml:8:13: layers: [99]")
assert !manifest.runs[1].containsKey('data')
assert new File(basedir, 'logitlens-site/data/alpha/fine.json').isFile()
assert !new File(basedir, 'target').exists()
return true
