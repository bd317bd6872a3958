import { newKey } from '../../main/js/key.js';

const key: string = newKey();
// @ts-expect-error the time is a number of milliseconds
newKey('now');
console.log(key);
