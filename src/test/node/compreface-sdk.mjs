// Drives every call of the official CompreFace JavaScript SDK against a running facerec-service and writes
// what each call answered to the JSON file named by REPORT; CompreFaceSdkIT asserts on it. Run with the
// working directory holding the images (the SDK reads relative paths only): a1.jpg a2.jpg a3.jpg (person A),
// b1.jpg (person B), group.jpg. Keys: REC_KEY (recognition service), DET_KEY (detection), VER_KEY (verification).
import { CompreFace } from '@exadel/compreface-js-sdk';
import fs from 'fs';

const env = process.env;
const cf = new CompreFace(env.CF_URL, env.CF_PORT);
const recognition = cf.initFaceRecognitionService(env.REC_KEY);
const detection = cf.initFaceDetectionService(env.DET_KEY);
const verification = cf.initFaceVerificationService(env.VER_KEY);
const wrong = cf.initFaceRecognitionService('fr_' + 'W'.repeat(43));
const b64 = f => fs.readFileSync(f).toString('base64');

const report = {};
async function call(name, fn) {
  try {
    report[name] = { ok: true, data: await fn() };
  } catch (e) {
    report[name] = { ok: false, status: e.response?.status ?? null, data: e.response?.data ?? String(e) };
  }
}
// The SDK's collection and subject objects keep the URL of their last call: a fresh one for each call.
const faces = () => recognition.getFaceCollection();
const subjects = () => recognition.getSubjects();

await call('subjects.add', () => subjects().add('Alice'));
await call('subjects.rename', () => subjects().rename('Alice', 'Alice A'));
await call('faces.add.path', () => faces().add('./a1.jpg', 'Alice A'));
await call('faces.add.base64', () => faces().add(b64('a2.jpg'), 'Alice A'));
await call('faces.add.newSubject', () => faces().add('./b1.jpg', 'Bob'));
await call('subjects.list', () => subjects().list());
await call('faces.list', () => faces().list());
await call('recognize', () => recognition.recognize('./a3.jpg', { limit: 0, prediction_count: 2, face_plugins: 'landmarks,calculator', status: true }));
await call('recognize.base64', () => recognition.recognize(b64('a3.jpg'), { limit: 1 }));
await call('faces.verify', () => faces().verify('./a3.jpg', report['faces.add.path'].data?.image_id, { status: true }));
await call('detect', () => detection.detect('./group.jpg', { face_plugins: 'landmarks', status: true }));
await call('detect.calculator', () => detection.detect('./a1.jpg', { face_plugins: 'calculator' }));
await call('verify.same', () => verification.verify('./a1.jpg', './a3.jpg', { limit: 0 }));
await call('verify.different', () => verification.verify('./a1.jpg', './b1.jpg', { limit: 0 }));
await call('verify.base64', () => verification.verify(b64('a1.jpg'), b64('a3.jpg'), { limit: 0 }));
await call('recognize.wrongKey', () => wrong.recognize('./a3.jpg', {}));
await call('faces.delete', () => faces().delete(report['faces.add.base64'].data?.image_id));
await call('faces.add.again', () => faces().add('./a2.jpg', 'Alice A'));
await call('faces.delete_multiple_images', () => faces().delete_multiple_images([report['faces.add.again'].data?.image_id, '00000000-0000-0000-0000-000000000000']));
await call('faces.delete_all_subject', () => faces().delete_all_subject('Bob'));
await call('recognize.afterDeletes', () => recognition.recognize('./a3.jpg', { limit: 0 }));
await call('faces.delete_all', () => faces().delete_all());
await call('faces.list.empty', () => faces().list());
await call('subjects.add.second', () => subjects().add('Carol'));
await call('subjects.delete', () => subjects().delete('Carol'));
await call('subjects.deleteAll', () => subjects().deleteAll());
await call('subjects.list.empty', () => subjects().list());

fs.writeFileSync(env.REPORT, JSON.stringify(report, null, 1));
