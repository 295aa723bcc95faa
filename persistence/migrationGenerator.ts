import { TSMigrationGenerator } from '@mikro-orm/migrations';

/**
 * MikroORM's TypeScript migrations, made to pass the house lint: the generated
 * up()/down() only queue SQL with addSql(), so they are plain methods rather
 * than async ones without an await.
 */
export class HouseMigrationGenerator extends TSMigrationGenerator {
  override generateMigrationFile(className: string, diff: { up: string[]; down: string[] }): string {
    return super
      .generateMigrationFile(className, diff)
      .replace('override async up(): Promise<void> {', 'override up(): void {')
      .replace('override async down(): Promise<void> {', 'override down(): void {');
  }
}
