/**
 * rxjs's Observable class, loaded on first use. The 'rxjs' index loads every
 * operator (~7 MB of RSS) and even the class alone costs ~5 MB, which a
 * program that only awaits promises should not pay. It is the same class
 * users import from 'rxjs', so the values are ordinary Observables.
 */
import type { Observable as ObservableClass } from 'rxjs';

let loaded: typeof ObservableClass | undefined;

export function Observable(): typeof ObservableClass {
  return (loaded ??= (require('rxjs/internal/Observable') as { Observable: typeof ObservableClass }).Observable);
}
