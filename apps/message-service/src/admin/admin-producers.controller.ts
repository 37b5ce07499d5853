import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiCreatedResponse } from '@nestjs/swagger';
import { ProducersService } from '../producers/producers.service';
import { ApiErrors } from '../common/api-errors';
import { ProducerIdPipe } from '../common/id-param.pipe';
import { AdminAuthGuard } from './admin-auth.guard';
import {
  ProducerCredentialsDto,
  ProducerViewDto,
  RegisterProducerDto,
  RotateKeyDto,
  UpdateProducerDto,
} from './dto/producer.dto';

@ApiTags('admin: producers')
@ApiBearerAuth('admin')
@ApiErrors(400, 401, 404, 503)
@Controller('v1/admin/producers')
@UseGuards(AdminAuthGuard)
export class AdminProducersController {
  constructor(private readonly producers: ProducersService) {}

  @Post()
  @ApiCreatedResponse({ type: ProducerCredentialsDto })
  async register(@Body() dto: RegisterProducerDto): Promise<ProducerCredentialsDto> {
    const registered = await this.producers.register(dto);
    return { ...registered, producer: ProducerViewDto.of(registered.producer) };
  }

  @Get()
  @ApiOkResponse({ type: [ProducerViewDto] })
  async list(): Promise<ProducerViewDto[]> {
    return (await this.producers.list()).map((p) => ProducerViewDto.of(p));
  }

  @Get(':id')
  @ApiOkResponse({ type: ProducerViewDto })
  async get(@Param('id', ProducerIdPipe) id: string): Promise<ProducerViewDto> {
    return ProducerViewDto.of(await this.producers.get(id));
  }

  @Patch(':id')
  @ApiOkResponse({ type: ProducerViewDto })
  async update(
    @Param('id', ProducerIdPipe) id: string,
    @Body() dto: UpdateProducerDto,
  ): Promise<ProducerViewDto> {
    return ProducerViewDto.of(await this.producers.update(id, dto));
  }

  @Post(':id/rotate-key')
  @HttpCode(200)
  @ApiOkResponse({ type: ProducerCredentialsDto })
  async rotateKey(
    @Param('id', ProducerIdPipe) id: string,
    @Body() dto: RotateKeyDto,
  ): Promise<ProducerCredentialsDto> {
    const rotated = await this.producers.rotateKey(id, dto.rotateSigningSecret);
    return { ...rotated, producer: ProducerViewDto.of(rotated.producer) };
  }
}
