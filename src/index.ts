// What the runner starts (dist/index.cjs): the step itself lives in action.ts.
import { run } from './action.js';

void run();
