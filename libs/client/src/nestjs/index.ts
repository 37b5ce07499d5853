export { RmsModule } from './rms.module';
export type { RmsModuleOptions } from './rms.module';
