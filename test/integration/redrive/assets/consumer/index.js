// The redrive test's consumer (one behaviour for every source): it fails the whole
// invocation if any id it is given is listed in POISON_FILE, else appends each id
// to EFFECTS_FILE once per invocation (so a double redrive would show twice).
const fs = require('node:fs');

function idsOf(event) {
  if (Array.isArray(event.Records)) {
    return event.Records.map((r) =>
      r.kinesis ? JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')).id : r.dynamodb.Keys.pk.S,
    );
  }
  return [event.detail.id];
}

exports.handler = async (event) => {
  const ids = idsOf(event);
  const poison = fs.existsSync(process.env.POISON_FILE) ? fs.readFileSync(process.env.POISON_FILE, 'utf8').split('\n') : [];
  const bad = ids.filter((id) => poison.includes(id));
  if (bad.length > 0) throw new Error(`poison: ${bad.join(',')}`);
  fs.appendFileSync(process.env.EFFECTS_FILE, ids.map((id) => `${id}\n`).join(''));
  return Array.isArray(event.Records) ? { batchItemFailures: [] } : { ok: true };
};
