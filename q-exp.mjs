const root='/work/wt/ml/dist/src/'
const fs = await import('node:fs')
const { shuffledSplit } = await import(root+'data/split.js')
const { ModelRunner } = await import(root+'ml/runner.js')
const { binaryMetrics } = await import(root+'ml/evaluation.js')
const lines=fs.readFileSync('/work/shared/data/susy-8k.csv','utf8').trim().split('\n')
const s=shuffledSplit(lines.length,0.4,42)
const arr=(idx)=>{const n=idx.length,xs=new Float32Array(n*18),ys=new Float32Array(n);idx.forEach((r,i)=>{const c=lines[r].split(',').map(Number);ys[i]=c[0];for(let j=0;j<18;j++)xs[i*18+j]=c[j+1]});return {xs,ys,n}}
const tr=arr(Array.from(s.train)), te=arr(Array.from(s.test))
const configs = JSON.parse(process.argv[2])
for (const c of configs) for (const seed of (c.seeds??[1,2])) {
  const r = await ModelRunner.create({backend:'wasm', seed, learnScaler:true, model:{inputs:18, hidden:c.hidden??[128,256,128], dropout:c.dropout??[0.2,0.4,0.4], learningRate:c.lr??0.001}})
  const t0=Date.now()
  let best=[]
  for (let e=1;e<=c.epochs;e++){ await r.fit(tr.xs,tr.ys,tr.n,{epochs:1,batchSize:c.batch??64,shuffle:true}); if (e===1) await r.freezeScaler(); if (c.report?.includes(e)) { const m=binaryMetrics(await r.predict(te.xs,te.n), te.ys); best.push(`e${e}:${m.accuracy.toFixed(4)}/${m.auc.toFixed(4)}`) } }
  console.log(JSON.stringify(c), seed, best.join(' '), ((Date.now()-t0)/1000).toFixed(0)+'s')
  await r.close()
}
