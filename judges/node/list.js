// Lists a PST with pst-extractor (npm) as JSON on stdout, for the Rust judges harness
// (judges/src/lib.rs): {"folders": [{"path": [...], "items": [{"subject", "class",
// "attachments": [{"name", "method", "size", "sha256"}]}]}]}. `path` is the display names
// from the root folder down (the root itself is []). Exit status 1 with a message on stderr
// when the file cannot be opened.
'use strict';
const crypto = require('crypto');
const { PSTFile } = require('pst-extractor');

function attachmentEntry(att) {
  const entry = {
    name: att.longFilename || att.filename || null,
    method: att.attachMethod,
    size: null,
    sha256: null,
  };
  // By value (1): the bytes of PidTagAttachDataBinary.
  if (att.attachMethod === 1) {
    const stream = att.fileInputStream;
    if (stream) {
      const len = stream.length.toNumber();
      const buf = Buffer.alloc(len);
      if (len > 0) {
        stream.readCompletely(buf);
      }
      entry.size = len;
      entry.sha256 = crypto.createHash('sha256').update(buf).digest('hex');
    } else {
      entry.size = 0;
      entry.sha256 = crypto.createHash('sha256').digest('hex');
    }
  }
  return entry;
}

function walk(folder, path, out) {
  const items = [];
  if (folder.contentCount > 0) {
    let child = folder.getNextChild();
    while (child) {
      const attachments = [];
      for (let i = 0; i < child.numberOfAttachments; i++) {
        attachments.push(attachmentEntry(child.getAttachment(i)));
      }
      items.push({ subject: child.subject, class: child.messageClass, attachments });
      child = folder.getNextChild();
    }
  }
  out.push({ path, items });
  if (folder.hasSubfolders) {
    for (const sub of folder.getSubFolders()) {
      walk(sub, path.concat([sub.displayName]), out);
    }
  }
}

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node list.js FILE.pst\n');
  process.exit(2);
}
try {
  const pst = new PSTFile(file);
  const folders = [];
  walk(pst.getRootFolder(), [], folders);
  process.stdout.write(JSON.stringify({ folders }));
} catch (e) {
  process.stderr.write(`pst-extractor: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
}
