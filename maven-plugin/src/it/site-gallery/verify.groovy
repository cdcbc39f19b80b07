import groovy.json.JsonSlurper

def site = new File(basedir, 'target/logitlens-site')
def manifest = new JsonSlurper().parse(new File(site, 'manifest.json'))
assert manifest.title == 'Two tiny models'
assert manifest.outputTimestamp == '2024-01-01T00:00:00Z'
assert manifest.toolVersion ==~ /\d+\.\d+\.\d+.*/
def expected = []
['alpha', 'beta'].each { m -> ['france', 'germany', 'cat'].each { p -> expected << [m, p] } }
assert manifest.runs.collect { [it.model, it.prompt] } == expected
manifest.runs.each { run ->
    assert run.status == 'ok'
    assert run.data == "data/${run.model}/${run.prompt}.json"
    def data = new JsonSlurper().parse(new File(site, run.data))
    // The seed's V2 fields at the top level, then ours.
    assert data.keySet() as List == ['meta', 'input', 'layers', 'topk', 'tracked', 'logitlens', 'provenance']
    assert data.meta == [version: 2, model: run.model]
    assert data.layers == [0, 1, 2]
    assert data.topk.size() == 3 && data.topk.every { layer -> layer.every { cell -> cell.size() == 3 } }
    assert data.tracked.size() == data.input.size()
    assert data.logitlens.inputIds.size() == data.input.size()
    assert data.provenance.modelId == run.model
    assert data.provenance.source == "path:models/${run.model}"
    assert data.provenance.device == 'cpu'
    assert data.provenance.k == 3
    assert data.provenance.weightsHash ==~ /[0-9a-f]{64}/
}
assert new File(site, 'index.html').isFile()
assert new File(site, 'runs/beta/cat.html').isFile()

def log = new File(basedir, 'build.log').text
// First invocation collected all six runs, loading each model once; the second collected nothing.
assert log.contains('[1/6] alpha × france: ')
assert log.count('Loaded alpha ') == 1 && log.count('Loaded beta ') == 1
assert log.contains('Summary: 6 runs: 6 collected, 0 cached, 0 failed')
assert log.contains('[6/6] beta × cat: (cached)')
assert log.contains('Summary: 6 runs: 0 collected, 6 cached, 0 failed')
assert log.contains('[INFO] Skipping logitlens:site because its skip parameter is true.')
return true
