// What the runner starts (dist/index.js): the step itself lives in action.ts.
import { run } from './action.js';

void run();
