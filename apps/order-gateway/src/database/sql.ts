import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '@orders/platform-database';

/** A fragment whose code numbers its own placeholders from a given first number (TransactionalEvents.outboxInsert). */
type SelfNumbered = { numberFrom: (firstParam: number) => { sql: string; params: unknown[] } };

type Piece = { text: string } | { value: unknown } | { fragment: Sql } | SelfNumbered;

/**
 * A piece of SQL with its values kept beside the text. Fragments nest inside one another,
 * and `toQuery` numbers every value's placeholder ($1, $2, ...) in the order it appears,
 * so a statement composed of several parts never counts its parameters by hand.
 */
export class Sql {
  private constructor(private readonly pieces: readonly Piece[]) {}

  /** Values become parameters; a nested `Sql` becomes part of the text. */
  static of(strings: readonly string[], values: readonly unknown[]): Sql {
    const pieces: Piece[] = [{ text: strings[0] }];
    values.forEach((value, index) => {
      pieces.push(value instanceof Sql ? { fragment: value } : { value }, { text: strings[index + 1] });
    });
    return new Sql(pieces);
  }

  static selfNumbered(numberFrom: SelfNumbered['numberFrom']): Sql {
    return new Sql([{ numberFrom }]);
  }

  static join(fragments: readonly Sql[], separator: string): Sql {
    return new Sql(fragments.flatMap((fragment, index) => (index === 0 ? [{ fragment }] : [{ text: separator }, { fragment }])));
  }

  toQuery(): { text: string; params: unknown[] } {
    const params: unknown[] = [];
    const render = (pieces: readonly Piece[]): string =>
      pieces
        .map((piece) => {
          if ('text' in piece) return piece.text;
          if ('fragment' in piece) return render(piece.fragment.pieces);
          if ('numberFrom' in piece) {
            const built = piece.numberFrom(params.length + 1);
            params.push(...built.params);
            return built.sql;
          }
          params.push(piece.value);
          return `$${params.length}`;
        })
        .join('');
    return { text: render(this.pieces), params };
  }
}

/** sql`SELECT ... WHERE id = ${id}`: a statement or fragment whose values are numbered parameters. */
export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return Sql.of(strings, values);
}

/** Runs a statement; the rows it returns (also for UPDATE and DELETE, where TypeORM adds a count). */
export function runSql<T>(runner: DataSource | EntityManager, statement: Sql): Promise<T[]> {
  const { text, params } = statement.toQuery();
  return queryRows<T>(runner, text, params);
}
