import { StageConfigError } from '../shared/config/stage.js';
import { buildApp } from './build.js';

try {
  buildApp().app.synth();
} catch (e) {
  // A bad stage config is the operator's to fix: say which key, without a stack trace.
  if (e instanceof StageConfigError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}
